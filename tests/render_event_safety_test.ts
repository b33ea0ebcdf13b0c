/**
 * Every string a client event carries may come from a hostile server or
 * user: each event kind, with every free-text field set to escape sequences
 * and controls, must render without any of them (issue 7.3).
 */
// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import type { ClientEvent } from "../lib/client/events.ts";
import { clientText } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";
import { welcomeEvent } from "./terminal_fakes.ts";

/** What a malicious server put in names: OSC 52 (clipboard), a pane title, clear screen, bidi. */
const EVIL = "x\x1b]52;c;cm0gLXJmIH4=\x07\x1b]2;pwned\x1b\\\x1b[2J\u202e\u009b1m\r\n";

/** Fields that select a text rather than being shown. */
const KEYS = new Set(["type", "key", "action", "reason", "code", "kind"]);

/** A deep copy of `value` with every shown string replaced by {@link EVIL}. */
function poison<T>(value: T, field = ""): T {
  if (typeof value === "string") return (KEYS.has(field) ? value : EVIL) as T;
  if (Array.isArray(value)) return value.map((v) => poison(v, field)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, poison(v, k)]),
    ) as T;
  }
  return value;
}

const transfer = {
  id: 1,
  kind: "download" as const,
  label: "a",
  done: 1,
  total: 2,
  started: 0,
};
const file = { fileId: "id", filename: "f", size: 1, sha256: "", from: "Eva", ts: 1 };
const peers = [{ name: "Eva", clientId: 2 }];

/** One sample of every event kind; the compiler requires a new kind to be added here. */
const SAMPLES: { [K in ClientEvent["type"]]: Extract<ClientEvent, { type: K }>[] } = {
  welcome: [
    (() => {
      const w = welcomeEvent("Ana") as Extract<ClientEvent, { type: "welcome" }>;
      w.welcome.files = [file];
      w.welcome.call = peers;
      return w;
    })(),
  ],
  message: [{ type: "message", from: "Eva", text: "hola", own: false, history: true }],
  join: [{ type: "join", name: "Eva" }],
  leave: [{ type: "leave", name: "Eva", reason: "timeout" }],
  file: [{ type: "file", file, history: false }],
  who: [{ type: "who", members: [{ name: "Eva", since: 0, protocol: 2, inCall: true }] }],
  files: [{ type: "files", files: [file] }],
  shutdown: [{ type: "shutdown" }],
  system: [{ type: "system", text: "t" }],
  server_error: [{ type: "server_error", code: "x", message: "m" }],
  call: [
    {
      type: "call",
      action: "start",
      from: "Eva",
      first: true,
      ended: false,
      reason: "",
      members: peers,
    },
    {
      type: "call",
      action: "stop",
      from: "Eva",
      first: false,
      ended: true,
      reason: "",
      members: peers,
    },
  ],
  call_joined: [{ type: "call_joined", members: peers }],
  call_left: [{ type: "call_left", reason: "left" }],
  call_log: [{ type: "call_log", line: "l" }],
  // `/call stats` lines are translated by the media layer with member names in them.
  call_stats: [{ type: "call_stats", lines: ["Eva: 15 fps"] }],
  transfer_start: [{ type: "transfer_start", transfer }],
  transfer_progress: [{ type: "transfer_progress", transfer }],
  transfer_done: [
    { type: "transfer_done", transfer, filename: "f", size: 1, sha256: "", path: "p" },
    {
      type: "transfer_done",
      transfer: { ...transfer, kind: "upload" },
      filename: "f",
      size: 1,
      sha256: "",
      fileId: "i",
    },
  ],
  transfer_failed: [{ type: "transfer_failed", transfer, code: "weird", message: "m" }],
  notice: [
    // The download-resume notice carries the server's file name.
    { type: "notice", key: "downloadResuming", params: { filename: "f", attempt: 2 } },
    { type: "notice", key: "uploadResuming", params: { filename: "f", attempt: 2 } },
    { type: "notice", key: "unknownCommand", params: { command: "/x" } },
  ],
  connection_lost: [{ type: "connection_lost", reason: "lost" }],
  reconnected: [
    {
      type: "reconnected",
      welcome: (welcomeEvent("Ana") as Extract<ClientEvent, { type: "welcome" }>).welcome,
      missed: 3,
      host: "10.0.0.2",
      port: 9009,
    },
  ],
  closed: [
    { type: "closed", info: { reason: "server_error", code: "idle_timeout", message: "m" } },
    { type: "closed", info: { reason: "server_error", code: "other", message: "m" } },
  ],
};

for (const color of [false, true]) {
  Deno.test(`renderEvent() never prints a control or escape sequence from the network (color ${color})`, () => {
    const ctx = { t: translator(clientText, "en"), color, me: "Ana" };
    for (const samples of Object.values(SAMPLES)) {
      for (const sample of samples) {
        for (const line of renderEvent(poison(sample as ClientEvent), ctx)) {
          // Only the renderer's own SGR colours may remain.
          const rest = line.replace(/\x1b\[[0-9;]*m/g, "");
          assert.doesNotMatch(
            rest,
            /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/,
            `${sample.type}: ${JSON.stringify(line)}`,
          );
          assert.ok(!rest.includes("pwned") && !rest.includes("cm0gLXJm"), JSON.stringify(line));
        }
      }
    }
  });
}

Deno.test("renderEvent() sanitises the download-resume notice's file name (was printed raw)", () => {
  const ctx = { t: translator(clientText, "en"), color: false, me: "Ana" };
  const [line] = renderEvent(
    { type: "notice", key: "downloadResuming", params: { filename: `a${EVIL}`, attempt: 2 } },
    ctx,
  );
  assert.ok(!line.includes("\x1b"), JSON.stringify(line));
  assert.match(line, /^\[SYSTEM\] The download of ax/);
});

Deno.test("renderEvent() sanitises member names in /call stats lines (were printed raw)", () => {
  const ctx = { t: translator(clientText, "en"), color: true, me: "Ana" };
  const lines = renderEvent({ type: "call_stats", lines: [`${EVIL}: 15.0 fps`] }, ctx);
  assert.ok(!lines[0].replace(/\x1b\[[0-9;]*m/g, "").includes("\x1b"), JSON.stringify(lines));
});
