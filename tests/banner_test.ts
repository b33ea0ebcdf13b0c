import assert from "node:assert/strict";
import {
  clientCommandLines,
  clientProgram,
  launchForm,
  withClientProgram,
} from "../lib/server/banner.ts";

const one = { addresses: ["192.168.1.10"], placeholder: "TU_NOMBRE", chatPort: 9009 };

Deno.test("launchForm() tells a server run from source from a compiled one", () => {
  assert.deepEqual(launchForm("/usr/local/bin/deno", "linux"), { kind: "source" });
  assert.deepEqual(launchForm("C:\\Deno\\deno.exe", "windows"), { kind: "source" });
  assert.deepEqual(launchForm("/opt/pc3/pc3-server", "linux"), {
    kind: "compiled",
    client: "pc3-client",
    windows: false,
  });
  assert.deepEqual(launchForm("C:\\Users\\Profe\\PC3\\pc3-server.exe", "windows"), {
    kind: "compiled",
    client: "pc3-client.exe",
    windows: true,
  });
  assert.deepEqual(launchForm("D:\\aula\\PC3-Server.exe", "windows"), {
    kind: "compiled",
    client: "PC3-Client.exe",
    windows: true,
  });
  assert.equal((launchForm("/x/servidor", "linux") as { client: string }).client, "pc3-client");
});

Deno.test("clientCommandLines() prints the form that works: the task from source, the executable compiled", () => {
  assert.deepEqual(clientCommandLines({ kind: "source" }, one), [
    "deno task client --name TU_NOMBRE --host 192.168.1.10",
  ]);
  const win = launchForm("C:\\pc3\\pc3-server.exe", "windows");
  // PowerShell runs a program from the current folder only with .\ before it.
  assert.deepEqual(clientCommandLines(win, one), [
    ".\\pc3-client.exe --name TU_NOMBRE --host 192.168.1.10",
  ]);
  assert.deepEqual(
    clientCommandLines(launchForm("/opt/pc3-server", "linux"), {
      ...one,
      addresses: ["10.0.0.2", "fe80::1"],
      chatPort: 12009,
    }),
    [
      "./pc3-client --name TU_NOMBRE --host 10.0.0.2 --chat-port 12009",
      "./pc3-client --name TU_NOMBRE --host [fe80::1] --chat-port 12009",
    ],
  );
});

Deno.test("withClientProgram() puts the working program into other banner lines", () => {
  const line = "Código para unirse: K7M2-QX4D   (pc3-client --join K7M2-QX4D, o escríbelo)";
  assert.equal(
    withClientProgram(line, { kind: "source" }),
    "Código para unirse: K7M2-QX4D   (deno task client --join K7M2-QX4D, o escríbelo)",
  );
  assert.equal(clientProgram(launchForm("C:\\a\\pc3-server.exe", "windows")), ".\\pc3-client.exe");
  assert.equal(
    withClientProgram("pc3-client.exe se copia", { kind: "source" }),
    "pc3-client.exe se copia",
  );
});
