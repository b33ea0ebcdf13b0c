/**
 * A room with a password end to end: two pipe-mode clients given
 * `--password` chat, upload and download (the download carries the session
 * token); a client without it is told the room has a password.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { ClientGroup, root, startServer } from "./pipe_processes.ts";

Deno.test("e2e: with --password, clients that know it chat and share files; one that does not is told", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pc3_pw_" });
  const clients = new ClientGroup();
  const server = await startServer(join(dir, "storage"), [
    "--password",
    "clave de clase",
    "--no-discovery",
  ]);
  try {
    const src = join(dir, "tema.pdf");
    const data = crypto.getRandomValues(new Uint8Array(50_000));
    await Deno.writeFile(src, data);
    const pw = ["--password", "clave de clase"];
    const ana = clients.start("Ana", server, join(dir, "dl_ana"), pw);
    const eva = clients.start("Eva", server, join(dir, "dl_eva"), pw);
    await ana.out.wait(/^\[SISTEMA\] Conectado/);
    await eva.out.wait(/^\[SISTEMA\] Conectado/);
    await ana.send(`/upload ${src}`);
    const up = await ana.out.wait(/^\[OK\] Subido: tema\.pdf .* — \/download ([a-z0-9]+)$/);
    await eva.send(`/download ${up.match[1]}`);
    const done = await eva.out.wait(/^\[OK\] Descargado: (.*) \(.*SHA-256 verificado\)$/);
    const path = resolve(root, done.match[1]); // absolute (any OS) or relative to the project
    assert.deepEqual(await Deno.readFile(path), data);
    assert.equal(await ana.end(), 0);
    assert.equal(await eva.end(), 0);
    const intruso = clients.start("Intruso", server, join(dir, "dl_x"));
    assert.notEqual(await intruso.end(), 0);
    assert.match(intruso.err.text(), /contraseña/);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
