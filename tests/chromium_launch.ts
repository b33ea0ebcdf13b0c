/**
 * Test helper: launches the system Chromium headless through playwright-core
 * for the call window tests. Fails with a clear message when Chromium is
 * missing (CI installs it; the tests must not skip silently).
 *
 * @module
 */
import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { DeadlineError, withDeadline } from "./wait.ts";

/** Chromium-based browsers by platform, in order of preference. */
const BROWSERS: Record<string, string[]> = {
  linux: ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"],
  windows: [
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
  ],
  darwin: [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
  ],
};

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const candidates = BROWSERS[Deno.build.os] ?? BROWSERS.linux;

/** The browser the tests drive: PC3_CHROMIUM, else this platform's first one installed. */
export const CHROMIUM: string = Deno.env.get("PC3_CHROMIUM") ??
  candidates.find(exists) ?? candidates[0];

/**
 * Registers a test that needs the browser. On Linux, where CI installs Chromium, a missing
 * one fails the test with a clear message; elsewhere (a Windows or macOS check without a
 * Chromium-based browser, such as Windows Deno under wine) the test is ignored and says why.
 */
export function browserTest(name: string, fn: () => Promise<void>): void {
  const skip = Deno.build.os !== "linux" && !exists(CHROMIUM);
  if (skip) console.log(`ignored, no Chromium-based browser (set PC3_CHROMIUM): ${name}`);
  Deno.test({ name, ignore: skip, fn });
}

let patched = false;

/**
 * playwright-core checks for WSL at load time by testing a /proc/sys path,
 * which Deno only allows with --allow-all; `deno task test` grants named
 * permissions instead. Answering "no" for that one path (this is not WSL
 * when the file cannot be read) lets the package load under those permissions.
 */
function patchWslProbe(): void {
  if (patched) return;
  patched = true;
  const original = fs.existsSync;
  fs.existsSync = ((path: fs.PathLike) => {
    if (String(path).startsWith("/proc/sys/fs/binfmt_misc/")) {
      try {
        return original(path);
      } catch {
        return false;
      }
    }
    return original(path);
  }) as typeof fs.existsSync;
}

/** Launches headless Chromium; throws a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium is needed for the call window tests and was not found: ${CHROMIUM} (install it, e.g. apt-get install chromium, or set PC3_CHROMIUM)`,
    );
  }
  patchWslProbe();
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    timeout: BROWSER_DEADLINE_MS,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** How long a browser step (launch, navigation, a condition in the page) may take. */
export const BROWSER_DEADLINE_MS = 20_000;

/** A new page whose every step (goto, waitForFunction, clicks) fails after {@link BROWSER_DEADLINE_MS}. */
export async function newPage(
  browser: Browser,
  options?: Parameters<Browser["newPage"]>[0],
): Promise<Page> {
  const page = await browser.newPage(options);
  page.setDefaultTimeout(BROWSER_DEADLINE_MS);
  return page;
}

/**
 * Waits until `condition` (run in the page) is truthy, failing with a message
 * that names `what` after {@link BROWSER_DEADLINE_MS}.
 */
export async function waitInPage(
  page: Page,
  condition: () => unknown,
  what: string,
): Promise<void> {
  try {
    await page.waitForFunction(condition, undefined, { timeout: BROWSER_DEADLINE_MS });
  } catch (e) {
    throw new DeadlineError(`the page to show ${what}`, BROWSER_DEADLINE_MS, String(e));
  }
}

/** Closes the browser, failing (instead of hanging) after {@link BROWSER_DEADLINE_MS}. */
export async function closeBrowser(browser: Browser): Promise<void> {
  await withDeadline(browser.close(), BROWSER_DEADLINE_MS, "Chromium to close");
}
