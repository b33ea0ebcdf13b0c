import assert from "node:assert/strict";
import { join } from "node:path";
import jpeg from "jpeg-js";
import {
  browserTest,
  closeBrowser,
  launchChromium,
  newPage,
  waitInPage,
} from "./chromium_launch.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor, withDeadline } from "./wait.ts";
import { VideoWindow } from "../lib/media/video_window.ts";

function colourJpeg(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 80).data);
}

browserTest(
  "VideoWindow shows a live grid in a real browser; removing a tile and q work",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "pc3-window-" });
    let left = 0;
    const win = await VideoWindow.start({
      lang: "es",
      open: false,
      onLeave: () => left++,
      graceMs: 60_000,
    });
    const browser = await launchChromium();
    try {
      const page = await newPage(browser, { viewport: { width: 900, height: 500 } });
      win.setTiles([
        { id: 11, name: "Ana", video: true },
        { id: 22, name: "Luis", video: true },
        { id: 33, name: "Eva", video: false },
      ]);
      await page.goto(win.url);
      await waitInPage(
        page,
        () => (globalThis as any).document.querySelectorAll(".tile").length === 3,
        "three tiles",
      );
      win.frame(11, colourJpeg(160, 120, [220, 30, 30]));
      win.frame(22, colourJpeg(160, 120, [30, 30, 220]));
      await waitInPage(
        page,
        () =>
          [...(globalThis as any).document.querySelectorAll(".tile img")].filter((i: any) =>
            i.complete && i.naturalWidth > 0
          ).length === 2,
        "two pictures",
      );
      const names = await page.$$eval(".tile .name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(names, ["Ana", "Luis", "Eva"]);
      const widths = await page.$$eval(
        ".tile img",
        (els) => els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
      );
      assert.deepEqual(widths, [160, 160, 0]);
      const evaNote = await page.$eval(
        '.tile[data-id="33"]',
        (el) => el.classList.contains("novideo") && el.textContent?.includes("sin vídeo"),
      );
      assert.equal(evaNote, true);
      const shot = join(dir, "grid.png");
      await page.screenshot({ path: shot });
      assert.ok((await Deno.stat(shot)).size > 1000);
      console.log(`screenshot: ${shot}`);

      // A participant leaves: its tile goes at once, no frozen last frame.
      win.setTiles([{ id: 11, name: "Ana", video: true }, { id: 33, name: "Eva", video: false }]);
      await waitInPage(
        page,
        () => (globalThis as any).document.querySelectorAll(".tile").length === 2,
        "two tiles",
      );
      const after = await page.$$eval(".tile .name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(after, ["Ana", "Eva"]);

      // Pressing q leaves the call.
      await page.keyboard.press("q");
      await waitInPage(
        page,
        () => (globalThis as any).document.getElementById("status").style.display === "block",
        "the status line",
      );
      assert.equal(left, 1);
    } finally {
      await closeBrowser(browser);
      await win.close();
      await win.close();
    }
  },
);

browserTest(
  "VideoWindow calls onLeave when the page closes and does not come back within the grace (fake clock)",
  async () => {
    let left = 0;
    const clock = new FakeClock();
    const win = await VideoWindow.start({
      lang: "en",
      open: false,
      onLeave: () => left++,
      graceMs: 300,
      clock,
    });
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await page.goto(win.url);
      await waitInPage(
        page,
        () => (globalThis as any).document.title.includes("video call"),
        "the title",
      );
      await waitFor(() => win.pages === 1, { message: "the page's socket" });
      await page.close();
      await waitFor(() => win.pages === 0, { message: "the page's socket to close" });
      clock.advance(299);
      assert.equal(left, 0, "still within the grace");
      clock.advance(1);
      assert.equal(left, 1);
    } finally {
      await closeBrowser(browser);
      await win.close();
    }
  },
);

/** One raw HTTP/1.1 request on loopback; returns the head of the answer. */
async function rawRequest(port: number, lines: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`));
    const buf = new Uint8Array(4096);
    const n = await withDeadline(conn.read(buf), 10_000, "the answer");
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test("VideoWindow: the one-time address works once and gives an HttpOnly cookie; no cookie, no page", async () => {
  const win = await VideoWindow.start({ lang: "es", open: false, onLeave() {} });
  try {
    const base = new URL(win.url);
    assert.match(base.pathname, /^\/open\/[0-9a-f]{32}$/);
    const noKey = await withDeadline(fetch(`${base.origin}/`), 10_000, "the 403");
    assert.equal(noKey.status, 403);
    await noKey.body?.cancel();
    const first = await withDeadline(fetch(win.url, { redirect: "manual" }), 10_000, "the ticket");
    assert.equal(first.status, 303);
    assert.equal(first.headers.get("location"), "/");
    const cookie = first.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    await first.body?.cancel();
    const again = await withDeadline(fetch(win.url, { redirect: "manual" }), 10_000, "the reuse");
    assert.equal(again.status, 403, "a ticket works once");
    await again.body?.cancel();
    const pair = cookie.split(";")[0];
    const ok = await withDeadline(
      fetch(`${base.origin}/`, { headers: { cookie: pair } }),
      10_000,
      "the page",
    );
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /sin vídeo/);
    const wrong = await withDeadline(
      fetch(`${base.origin}/`, { headers: { cookie: pair.replace(/=.*/, "=00") } }),
      10_000,
      "the wrong cookie",
    );
    assert.equal(wrong.status, 403);
    await wrong.body?.cancel();
    const foreignHost = await rawRequest(Number(base.port), [
      "GET / HTTP/1.1",
      "Host: evil.example:80",
      `Cookie: ${pair}`,
      "Connection: close",
    ]);
    assert.match(foreignHost, /^HTTP\/1\.1 403/);
  } finally {
    await win.close();
  }
});

Deno.test("VideoWindow: a WebSocket with a foreign Origin is refused, the page's own is accepted", async () => {
  const win = await VideoWindow.start({ lang: "es", open: false, onLeave() {} });
  try {
    const base = new URL(win.url);
    const first = await withDeadline(fetch(win.url, { redirect: "manual" }), 10_000, "the ticket");
    const pair = (first.headers.get("set-cookie") ?? "").split(";")[0];
    await first.body?.cancel();
    const upgrade = (origin: string | null) => [
      "GET /ws HTTP/1.1",
      `Host: ${base.host}`,
      `Cookie: ${pair}`,
      ...(origin === null ? [] : [`Origin: ${origin}`]),
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
    ];
    const port = Number(base.port);
    assert.match(await rawRequest(port, upgrade("http://evil.example")), /^HTTP\/1\.1 403/);
    assert.match(await rawRequest(port, upgrade(null)), /^HTTP\/1\.1 403/);
    assert.match(await rawRequest(port, upgrade(`http://localhost:${port}`)), /^HTTP\/1\.1 403/);
    assert.match(await rawRequest(port, upgrade(base.origin)), /^HTTP\/1\.1 101/);
  } finally {
    await win.close();
  }
});

Deno.test("VideoWindow prints the address, and says so when the browser cannot be opened", async () => {
  const logs: string[] = [];
  let opened = "";
  const win = await VideoWindow.start({
    lang: "en",
    open: (url) => {
      opened = url;
      return Promise.resolve(false);
    },
    onLeave() {},
    log: (l) => logs.push(l),
  });
  try {
    await waitFor(() => logs.length >= 2, { message: "two log lines" });
    assert.equal(opened, win.url);
    assert.deepEqual(logs, [
      `Call video: ${win.url}`,
      `Could not open the browser; open this address: ${win.url}`,
    ]);
  } finally {
    await win.close();
  }
});
