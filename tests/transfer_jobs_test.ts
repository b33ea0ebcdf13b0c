import assert from "node:assert/strict";
import type { ClientEvent } from "../lib/client/events.ts";
import { type TransferFunctions, TransferJobs } from "../lib/client/transfer_jobs.ts";
import { DEFAULT_DEADLINE_MS, withDeadline } from "./wait.ts";

function jobs(transfers?: TransferFunctions) {
  const events: ClientEvent[] = [];
  const tj = new TransferJobs({
    transfers,
    host: "127.0.0.1",
    port: 9010,
    token: "t",
    downloads: "dl",
    knownFile: (id) =>
      id === "k3"
        ? { fileId: "k3", filename: "a.mp4", size: 5, sha256: "", from: "Eva", ts: 0 }
        : undefined,
    emit: (e) => events.push(e),
  });
  return { tj, events };
}

/** Transfer functions that never finish until their signal aborts. */
const hanging: TransferFunctions = {
  uploadFile: (_path, o) =>
    new Promise((_, reject) =>
      o.signal?.addEventListener("abort", () => reject(new Error("aborted")))
    ),
  downloadFile: (_id, o) =>
    new Promise((_, reject) =>
      o.signal?.addEventListener("abort", () => reject(new Error("aborted")))
    ),
};

Deno.test("TransferJobs answers unavailable without transfer functions, naming the file", () => {
  const { tj, events } = jobs();
  tj.upload("C:\\Users\\Ana\\a b.pdf");
  tj.download("k3");
  tj.download("zz9");
  assert.deepEqual(events.map((e) => e.type === "notice" ? e.params : null), [
    { filename: "a b.pdf", reason: "unavailable" },
    { filename: "a.mp4", reason: "unavailable" },
    { filename: "zz9", reason: "unavailable" },
  ]);
  assert.equal(tj.running, 0);
});

Deno.test("TransferJobs labels an upload with the path's last component, a trailing separator ignored", async () => {
  const { tj, events } = jobs(hanging);
  tj.upload("/home/ana/fotos/");
  const start = events[0];
  assert.ok(start.type === "transfer_start" && start.transfer.label === "fotos");
  tj.abortAll();
  await withDeadline(tj.settled(), DEFAULT_DEADLINE_MS, "the upload to end");
});

Deno.test("TransferJobs.abortAll() ends every running transfer as cancelled", async () => {
  const { tj, events } = jobs(hanging);
  tj.upload("a.txt");
  tj.download("k3");
  assert.equal(tj.running, 2);
  const start = events.find((e) => e.type === "transfer_start" && e.transfer.kind === "download");
  assert.ok(start?.type === "transfer_start" && start.transfer.total === 5);
  tj.abortAll();
  await withDeadline(tj.settled(), DEFAULT_DEADLINE_MS, "the transfers to end");
  assert.equal(tj.running, 0);
  const failed = events.filter((e) => e.type === "transfer_failed");
  assert.deepEqual(failed.map((e) => e.type === "transfer_failed" && e.code), [
    "cancelled",
    "cancelled",
  ]);
});
