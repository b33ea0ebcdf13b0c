/**
 * Call end to end: server.ts (chat + relay) and two client.ts processes in
 * pipe mode with `--video-source test --video-view none`: both join the call,
 * each receives the other's video through the real relay (checked with
 * `/call stats`), and leaving removes the participant.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, ClientGroup, startServer } from "./pipe_processes.ts";
import { waitFor } from "./wait.ts";

const VIDEO = ["--video-source", "test", "--video-view", "none", "--video-size", "160x120"];

/**
 * Asks `/call stats` every 300 ms until the line about `other` shows more than
 * 10 frames received (the first answers may be "video still starting" or "sin
 * vídeo"); fails after 30 s with the client's output.
 */
async function framesFrom(client: Client, other: string): Promise<RegExpExecArray> {
  const counts = new RegExp(`${other}: ([\\d.]+) fps, (\\d+) recibidos, (\\d+) perdidos`);
  const any = new RegExp(`^\\[LLAMADA\\]\\s+${other}: `);
  let mark = -1;
  let match: RegExpExecArray | null = null;
  await waitFor(async () => {
    if (mark >= 0) {
      const line = client.out.lines.slice(mark).find((l) => any.test(l)) ?? "";
      match = counts.exec(line);
      if (match && Number(match[2]) > 10) return true;
    }
    mark = client.out.lines.length;
    await client.send("/call stats");
    return false;
  }, {
    message: `more than 10 frames from ${other}`,
    timeoutMs: 30_000,
    intervalMs: 300,
    detail: () => client.out.text(),
  });
  return match!;
}

Deno.test("call e2e: two pipe-mode clients exchange test video through the real server and relay", async () => {
  const storage = await Deno.makeTempDir({ prefix: "pc3-call-e2e-" });
  const server = await startServer(storage);
  const clients = new ClientGroup();
  try {
    const start = (name: string) =>
      clients.start(name, server, join(storage, name), [...VIDEO, "--fps", "15"]);
    const ana = start("Ana");
    await ana.out.wait(/como Ana/);
    const luis = start("Luis");
    await ana.out.wait(/Luis se unió al chat/);
    await ana.send("/call start");
    await luis.send("/call start");
    await ana.out.wait(/Conectado al relé de vídeo/);
    await luis.out.wait(/Conectado al relé de vídeo/);

    const atAna = await framesFrom(ana, "Luis");
    const atLuis = await framesFrom(luis, "Ana");
    assert.ok(Number(atAna[1]) > 0 && Number(atLuis[1]) > 0);
    assert.ok(ana.out.find(/Vídeo: enviando [\d.]+ fps \(\d+ enviados/));
    assert.ok(ana.out.find(/registrado/));

    // Luis leaves the call: Ana's stats stop listing him.
    await luis.send("/call stop");
    await ana.out.wait(/Luis salió de la videollamada/);
    const mark = ana.out.lines.length;
    await ana.send("/call stats");
    await ana.out.wait(/Nadie más en la llamada/, mark);

    assert.equal(await ana.end(), 0);
    assert.equal(await luis.end(), 0);
  } finally {
    await clients.kill();
    await server.stop();
    await Deno.remove(storage, { recursive: true });
  }
});
