import assert from "node:assert/strict";
import { ConnectError, type ConnectErrorCode } from "../lib/client/connect_errors.ts";
import { clientText } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { ProtocolError } from "../lib/protocol/frame.ts";
import { describeConnectError, renderLost } from "../lib/terminal/connect_text.ts";

const CODES: ConnectErrorCode[] = [
  "unresolved",
  "refused",
  "timeout",
  "failed",
  "name_taken",
  "name_invalid",
  "refused_by_server",
  "hello_closed",
  "hello_timeout",
  "bad_reply",
];

Deno.test("describeConnectError() explains every code in one tagged line naming the server", () => {
  for (const lang of ["es", "en"] as const) {
    const t = translator(clientText, lang);
    const texts = new Set<string>();
    for (const code of CODES) {
      const e = new ConnectError(code, { host: "10.0.0.2", port: 9009, detail: "7" });
      const line = describeConnectError(e, t, "Ana");
      assert.ok(line.startsWith(t("tagError") + " "), line);
      assert.ok(line.includes("10.0.0.2") || line.includes("Ana"), line);
      assert.ok(!/[{}\n]/.test(line), line);
      texts.add(line);
    }
    assert.equal(texts.size, CODES.length, `${lang}: every code has its own text`);
  }
});

Deno.test("describeConnectError() fills in seconds and sanitizes what the server sent", () => {
  const t = translator(clientText, "en");
  const at = { host: "h", port: 1 };
  assert.match(
    describeConnectError(new ConnectError("timeout", { ...at, detail: "" }), t, "A"),
    /\b5 s\b/,
  );
  assert.match(
    describeConnectError(new ConnectError("hello_timeout", { ...at, detail: "12" }), t, "A"),
    /\b12 s\b/,
  );
  const refused = describeConnectError(
    new ConnectError("refused_by_server", { ...at, detail: "no\x1b[2J" }),
    t,
    "A",
  );
  assert.ok(refused.endsWith(": no") && !refused.includes("\x1b"), refused);
});

Deno.test("renderLost() names the server whose connection was lost", () => {
  const t = translator(clientText, "es");
  const line = renderLost(t, "10.0.0.2", 9009);
  assert.ok(line.startsWith("[ERROR] ") && line.includes("10.0.0.2:9009"), line);
});

Deno.test("describeConnectError() says a port is not a PC3 chat server: file port, web server, other", () => {
  const t = translator(clientText, "es");
  const at = { host: "10.0.0.2", port: 9010 };
  const filePort = new ConnectError("refused_by_server", {
    ...at,
    detail: "unknown request",
    serverCode: "unknown_type",
  });
  assert.equal(
    describeConnectError(filePort, t, "Ana"),
    "[ERROR] 10.0.0.2:9010 no es un servidor de chat PC3 (es el puerto de archivos de PC3). " +
      "¿Es el puerto correcto? El chat de PC3 usa el puerto 9009",
  );
  const http = new ConnectError("bad_reply", {
    ...at,
    detail: "Frame too large: 1213486160 bytes",
    cause: new ProtocolError("frame_too_large", "Frame too large", { size: 0x48545450 }),
  });
  assert.match(
    describeConnectError(http, t, "Ana"),
    /no es un servidor de chat PC3 \(responde como un servidor web\)/,
  );
  assert.doesNotMatch(describeConnectError(http, t, "Ana"), /Frame too large|1213486160/);
  const junk = new ConnectError("bad_reply", {
    ...at,
    detail: "x",
    cause: new ProtocolError("bad_json", "Bad JSON"),
  });
  assert.match(describeConnectError(junk, t, "Ana"), /\(respondió otra cosa\)/);
});

Deno.test("describeConnectError() gives no hint of its own when the connection check follows", () => {
  const t = translator(clientText, "es");
  const refused = new ConnectError("refused", { host: "10.0.0.2", port: 9009, detail: "" });
  assert.match(describeConnectError(refused, t, "Ana"), /configurar_firewall/);
  assert.equal(
    describeConnectError(refused, t, "Ana", { checkFollows: true }),
    "[ERROR] No se pudo conectar a 10.0.0.2:9009: conexión rechazada",
  );
  const timeout = new ConnectError("timeout", { host: "10.0.0.2", port: 9009, detail: "" });
  assert.equal(
    describeConnectError(timeout, t, "Ana", { checkFollows: true }),
    "[ERROR] No se pudo conectar a 10.0.0.2:9009: sin respuesta en 5 s",
  );
});

Deno.test("describeConnectError() says a system network error in the chosen language, by its class", () => {
  const t = translator(clientText, "es");
  const unreachable = new ConnectError("failed", {
    host: "10.9.9.9",
    port: 9009,
    detail: "Network is unreachable (os error 101)",
    cause: new Deno.errors.NetworkUnreachable("Network is unreachable (os error 101)"),
  });
  const line = describeConnectError(unreachable, t, "Ana");
  assert.match(line, /no hay camino de red hasta esa dirección/);
  assert.doesNotMatch(line, /os error|unreachable/);
  // An error of no known class keeps its (sanitised) text.
  const other = new ConnectError("failed", { host: "h", port: 1, detail: "raro\x1b[2J" });
  assert.ok(describeConnectError(other, t, "Ana").endsWith(": raro"));
});
