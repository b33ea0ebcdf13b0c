/**
 * The room password (lib/server/room/auth.ts, lib/client/auth.ts,
 * PROTOCOL.md 2.6): right and wrong proofs, nothing before the proof,
 * attempts limited per address (on the room's injected clock), v1 clients
 * refused unless allowed, and the client's handshake against a real server.
 */
import assert from "node:assert/strict";
import { answerChallenge, readChallenge } from "../lib/client/auth.ts";
import { ChatClient } from "../lib/client/chat_client.ts";
import { ConnectError } from "../lib/client/connect_errors.ts";
import { deriveKeySync, type KdfParams, proof } from "../lib/protocol/auth_proof.ts";
import { decodeMessage, FrameDecoder, type Message } from "../lib/protocol/frame.ts";
import { payload, Room, type RoomTeacherOptions } from "../lib/server/room/room.ts";
import { startServer } from "../server.ts";
import { RawClient } from "./chat_test_client.ts";
import { FakeClock } from "./fake_clock.ts";
import { localServerConfig } from "./server_config.ts";

// A cheap KDF for room-level tests; the real cost is DEFAULT_KDF_COST.
const KDF: KdfParams = {
  name: "scrypt",
  salt: "00112233445566778899aabbccddeeff",
  n: 1024,
  r: 8,
  p: 1,
  dklen: 32,
};
const KEY = deriveKeySync("secreto", KDF);

class Fake {
  frames: Message[] = [];
  #decoder = new FrameDecoder({ maxFrame: 16 << 20 });
  closedWith: string | null = null;
  constructor(readonly ip = "10.0.0.5", readonly port = 40000) {}
  send = (bytes: Uint8Array): boolean => {
    this.#decoder.push(bytes);
    let p: Uint8Array | null;
    while ((p = this.#decoder.next()) !== null) this.frames.push(decodeMessage(p));
    return true;
  };
  close = (reason: string): void => {
    this.closedWith ??= reason;
  };
  take(): Message[] {
    return this.frames.splice(0);
  }
}

function setup(teacher: RoomTeacherOptions = { password: { key: KEY, kdf: KDF } }) {
  let clock = 1_000_000;
  const room = new Room({ now: () => clock, teacher });
  const open = (ip = "10.0.0.5") => {
    const fake = new Fake(ip);
    return { fake, conn: room.connect(fake) };
  };
  return { room, open, tick: (ms: number) => clock += ms };
}

function hello(name: string) {
  return payload({ type: "hello", version: 2, name });
}

Deno.test("a hello to a room with a password gets a challenge, not the room", () => {
  const { room, open } = setup();
  const a = open();
  a.conn.receive(hello("Ana"));
  const [challenge, ...rest] = a.fake.take();
  assert.equal(challenge.type, "auth_challenge");
  assert.deepEqual(rest, []);
  assert.match(String(challenge.nonce), /^[0-9a-f]{32}$/);
  assert.deepEqual(challenge.kdf, KDF);
  assert.equal(room.size, 0, "not a member before the proof");
  assert.equal(a.conn.name, null, "the hello timeout still runs");
  // Each connection gets its own nonce.
  const b = open();
  b.conn.receive(hello("Beto"));
  assert.notEqual(b.fake.take()[0].nonce, challenge.nonce);
});

Deno.test("the right proof gets the welcome; the password never appears in any frame", async () => {
  const { room, open } = setup();
  const a = open();
  a.conn.receive(hello("Ana"));
  const c = readChallenge(a.fake.take()[0])!;
  const frame = await answerChallenge(c, { name: "Ana", password: "secreto" });
  assert.ok(!new TextDecoder().decode(frame).includes("secreto"));
  a.conn.receive(frame.subarray(4));
  const frames = a.fake.take();
  assert.equal(frames[0].type, "welcome");
  assert.equal(room.size, 1);
  assert.equal(a.fake.closedWith, null);
});

Deno.test("a wrong proof, a proof for another name or another frame: error and close", () => {
  for (
    const answer of [
      (nonce: string) => ({
        type: "auth",
        proof: proof(deriveKeySync("otra", KDF), "room", nonce, "Ana"),
      }),
      (nonce: string) => ({ type: "auth", proof: proof(KEY, "room", nonce, "Beto") }),
      (nonce: string) => ({ type: "auth", proof: proof(KEY, "admin", nonce, "Ana") }),
      (_nonce: string) => ({ type: "auth", proof: 12 }),
      (_nonce: string) => ({ type: "message", text: "hola" }),
    ]
  ) {
    const { room, open } = setup();
    const a = open();
    a.conn.receive(hello("Ana"));
    const nonce = String(a.fake.take()[0].nonce);
    a.conn.receive(payload(answer(nonce) as Message));
    const [err] = a.fake.take();
    assert.equal(err.type, "error");
    assert.ok(err.code === "auth_failed" || err.code === "auth_required", String(err.code));
    assert.ok(a.fake.closedWith !== null, "closed");
    assert.equal(room.size, 0);
  }
});

Deno.test("failed attempts are limited per address: auth_wait with retry_after, then allowed again", async () => {
  const { open, tick } = setup({ password: { key: KEY, kdf: KDF }, attempts: 3 });
  const wrong = (ip: string) => {
    const a = open(ip);
    a.conn.receive(hello("Ana"));
    const first = a.fake.take()[0];
    if (first.type !== "auth_challenge") return first;
    a.conn.receive(payload({ type: "auth", proof: "0".repeat(64) }));
    return a.fake.take()[0];
  };
  assert.equal(wrong("10.0.0.5").code, "auth_failed");
  assert.equal(wrong("10.0.0.5").code, "auth_failed");
  const third = wrong("10.0.0.5");
  assert.equal(third.code, "auth_failed");
  assert.equal(third.retry_after, 10, "the third failure says how long to wait");
  // Blocked: refused at the hello, before any challenge (no KDF work for the client).
  const blocked = wrong("10.0.0.5");
  assert.equal(blocked.code, "auth_wait");
  assert.equal(blocked.retry_after, 10);
  // Another address is not affected.
  const other = open("10.0.0.6");
  other.conn.receive(hello("Beto"));
  assert.equal(other.fake.take()[0].type, "auth_challenge");
  // After the wait, the right password works again.
  tick(10_000);
  const a = open("10.0.0.5");
  a.conn.receive(hello("Ana"));
  const c = readChallenge(a.fake.take()[0])!;
  a.conn.receive((await answerChallenge(c, { name: "Ana", password: "secreto" })).subarray(4));
  assert.equal(a.fake.take()[0].type, "welcome");
});

Deno.test("v1 clients are refused with a password unless allowV1; an open room lets everyone in", () => {
  const refused = setup();
  const v1 = refused.open();
  v1.conn.receive(payload({ name: "Viejo" }));
  const [line] = v1.fake.take();
  assert.equal(line.type, "system", "v1 clients get a system line");
  assert.match(String(line.text), /contraseña/);
  assert.ok(v1.fake.closedWith !== null);
  assert.equal(refused.room.size, 0);

  const allowed = setup({ password: { key: KEY, kdf: KDF }, allowV1: true });
  const v1b = allowed.open();
  v1b.conn.receive(payload({ name: "Viejo" }));
  assert.equal(allowed.room.size, 1);

  const openRoom = setup({});
  const a = openRoom.open();
  a.conn.receive(hello("Ana"));
  assert.equal(a.fake.take()[0].type, "welcome");
});

Deno.test("ChatClient with the right password joins a real server; wrong or missing ones are refused", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const server = await startServer(
    localServerConfig(dir, ["--password", "clave de clase", "--lang", "en"]),
    {
      print: (l) => lines.push(l),
      error: () => {},
    },
  );
  const base = {
    host: "127.0.0.1",
    port: server.chatPort,
    lang: "en" as const,
    downloads: dir,
    onEvent: () => {},
    reconnect: false,
  };
  try {
    const ana = await ChatClient.connect({ ...base, name: "Ana", password: "clave de clase" });
    assert.equal(ana.name, "Ana");
    for (
      const [password, code] of [["mala", "auth_failed"], [undefined, "auth_required"]] as const
    ) {
      await assert.rejects(
        ChatClient.connect({ ...base, name: "Beto", ...(password ? { password } : {}) }),
        (e) => e instanceof ConnectError && e.serverCode === code,
      );
    }
    await ana.finish();
    assert.ok(
      lines.some((l) => /Wrong password from 127\.0\.0\.1 \(Beto\)/.test(l)),
      lines.join("\n"),
    );
    assert.ok(lines.some((l) => /Room password: yes/.test(l)));
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the password file's first line is the password; a fresh salt each start", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/clave.txt`;
  await Deno.writeTextFile(file, "\uFEFFdesde archivo\r\nignored\n");
  const salts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const server = await startServer(localServerConfig(dir, ["--password-file", file]), {
      print: () => {},
      error: () => {},
    });
    try {
      const c = await RawClient.open(server.chatPort);
      await c.send({ type: "hello", version: 2, name: `U${i}` });
      const challenge = readChallenge((await c.next())!)!;
      salts.push(challenge.kdf.salt);
      await c.write(await answerChallenge(challenge, { name: `U${i}`, password: "desde archivo" }));
      assert.equal((await c.next())?.type, "welcome");
      c.close();
    } finally {
      await server.close();
    }
  }
  assert.notEqual(salts[0], salts[1]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an unreadable or empty password file stops the start with a clear message", async () => {
  const dir = await Deno.makeTempDir();
  const empty = `${dir}/vacia.txt`;
  await Deno.writeTextFile(empty, "\n");
  for (
    const [file, pattern] of [[`${dir}/no_existe.txt`, /Could not read the password/], [
      empty,
      /is empty/,
    ]] as const
  ) {
    await assert.rejects(
      startServer(localServerConfig(dir, ["--password-file", file, "--lang", "en"]), {
        print: () => {},
        error: () => {},
      }),
      (e) => pattern.test((e as Error).message),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a reconnect token proves the earlier session; a take-over by address alone still needs the password", async () => {
  const clock = new FakeClock(1_000_000);
  const room = new Room({
    now: () => clock.now(),
    clock,
    graceMs: 30_000,
    teacher: { password: { key: KEY, kdf: KDF } },
  });
  const join = async (extra: Message = {}) => {
    const fake = new Fake("10.0.0.5");
    const conn = room.connect(fake);
    conn.receive(payload({ type: "hello", version: 2, name: "Ana", ...extra }));
    const first = fake.take()[0];
    if (first.type !== "auth_challenge") return { fake, conn, first, challenged: false };
    conn.receive(
      (await answerChallenge(readChallenge(first)!, { name: "Ana", password: "secreto" })).subarray(
        4,
      ),
    );
    return { fake, conn, first: fake.take()[0], challenged: true };
  };
  const a = await join();
  assert.equal(a.first.type, "welcome");
  const token = String(a.first.resume_token);
  // With the token: straight back in, no challenge.
  const b = await join({ resume: token });
  assert.equal(b.challenged, false);
  assert.equal(b.first.type, "welcome");
  // Connection vanished (held for the grace period): same name and address, no token.
  b.conn.disconnect();
  const c = await join();
  assert.equal(c.challenged, true, "the password is asked again");
  assert.equal(c.first.type, "welcome");
  assert.equal(room.size, 1);
});

/** A raw chat connection admitted with the password: the client and its welcome. */
async function rawJoin(port: number, name: string, password: string) {
  const c = await RawClient.open(port);
  await c.send({ type: "hello", version: 2, name });
  const challenge = readChallenge((await c.next())!)!;
  await c.write(await answerChallenge(challenge, { name, password }));
  const welcome = (await c.next())!;
  assert.equal(welcome.type, "welcome");
  return { client: c, welcome };
}

Deno.test("with a password, downloads need a member's token too; uploads need one as always", async () => {
  const dir = await Deno.makeTempDir();
  const server = await startServer(localServerConfig(dir, ["--password", "clave"]), {
    print: () => {},
    error: () => {},
  });
  const { client: ana, welcome } = await rawJoin(server.chatPort, "Ana", "clave");
  try {
    const data = new TextEncoder().encode("apuntes de clase");
    const up = await RawClient.open(server.filePort);
    await up.send({ type: "upload", token: welcome.token, filename: "a.txt", size: data.length });
    assert.equal((await up.next())?.type, "upload_ready");
    await up.write(data);
    const { createHash } = await import("node:crypto");
    await up.send({ type: "upload_end", sha256: createHash("sha256").update(data).digest("hex") });
    const ok = (await up.next())!;
    up.close();
    assert.equal(ok.type, "upload_ok");
    const download = async (extra: Message) => {
      const c = await RawClient.open(server.filePort);
      try {
        await c.send({ type: "download", file_id: ok.file_id, ...extra });
        return await c.next();
      } finally {
        c.close();
      }
    };
    assert.equal((await download({}))?.code, "unauthorized", "no token: refused");
    assert.equal(
      (await download({ token: "f".repeat(32) }))?.code,
      "unauthorized",
      "a made-up token",
    );
    assert.equal((await download({ token: welcome.token }))?.type, "download_meta");
    // A v1 upload (no session at all) is refused in a room with a password.
    const v1 = await RawClient.open(server.filePort);
    await v1.send({ type: "upload", file_id: "x1", filename: "b.txt", size: 1 });
    assert.equal((await v1.next())?.code, "unauthorized");
    v1.close();
  } finally {
    ana.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a challenge left unanswered ends with the hello timeout, like a missing hello", () => {
  const { room, open } = setup();
  const a = open();
  a.conn.receive(hello("Ana"));
  a.fake.take();
  a.conn.timeout("hello");
  const [err] = a.fake.take();
  assert.equal(err.code, "hello_timeout");
  assert.ok(a.fake.closedWith !== null);
  assert.equal(room.size, 0);
});

Deno.test("the challenge names the name the server kept, so a name typed with spaces proves right", async () => {
  const { room, open } = setup();
  const a = open();
  a.conn.receive(payload({ type: "hello", version: 2, name: "  Ana  " }));
  const c = readChallenge(a.fake.take()[0])!;
  assert.equal(c.name, "Ana");
  a.conn.receive((await answerChallenge(c, { name: "  Ana  ", password: "secreto" })).subarray(4));
  assert.equal(a.fake.take()[0].type, "welcome");
  assert.equal(room.size, 1);
});
