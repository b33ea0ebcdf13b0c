import assert from "node:assert/strict";
import { findUploadFile, uploadPathCandidates } from "../lib/terminal/upload_path.ts";

const linux = { windows: false, home: "/home/ana" };
const windows = { windows: true, home: "C:\\Users\\Ana" };

Deno.test("uploadPathCandidates() undoes shell escapes first, keeping the text as typed as a fallback", () => {
  assert.deepEqual(uploadPathCandidates("mis\\ vídeos/clase\\ grabada.mp4", linux), [
    "mis vídeos/clase grabada.mp4",
    "mis\\ vídeos/clase\\ grabada.mp4",
  ]);
  assert.deepEqual(uploadPathCandidates("a\\(1\\).txt", linux)[0], "a(1).txt");
  assert.deepEqual(uploadPathCandidates("plain.txt", linux), ["plain.txt"]);
});

Deno.test("uploadPathCandidates() removes the quotes terminals and Explorer add", () => {
  assert.deepEqual(uploadPathCandidates("'/home/ana/Mis vídeos/a.mp4' ", linux), [
    "/home/ana/Mis vídeos/a.mp4",
  ]);
  assert.deepEqual(uploadPathCandidates('"C:\\Mis vídeos\\clase 1.mp4"', windows), [
    "C:\\Mis vídeos\\clase 1.mp4",
  ]);
});

Deno.test("uploadPathCandidates() expands ~ with the home folder", () => {
  assert.deepEqual(uploadPathCandidates("~/Descargas/a.pdf", linux), ["/home/ana/Descargas/a.pdf"]);
  assert.deepEqual(uploadPathCandidates("~\\Desktop\\a.pdf", windows), [
    "C:\\Users\\Ana\\Desktop\\a.pdf",
  ]);
  assert.deepEqual(uploadPathCandidates("~/a", { windows: false }), ["~/a"]);
  assert.deepEqual(uploadPathCandidates("~ana/a", linux), ["~ana/a"]);
});

Deno.test("uploadPathCandidates() percent-decodes file:// URIs from file managers", () => {
  assert.deepEqual(uploadPathCandidates("file:///home/ana/Mis%20v%C3%ADdeos/a%231.mp4", linux), [
    "/home/ana/Mis vídeos/a#1.mp4",
  ]);
  assert.deepEqual(uploadPathCandidates("file:///C:/Users/Ana/Mis%20v%C3%ADdeos/a.mp4", windows), [
    "C:\\Users\\Ana\\Mis vídeos\\a.mp4",
  ]);
  assert.deepEqual(uploadPathCandidates("file://servidor/clase/a.mp4", windows), [
    "\\\\servidor\\clase\\a.mp4",
  ]);
  // A broken escape is not a URI we understand: it stays as typed.
  assert.deepEqual(uploadPathCandidates("file:///a%zz", linux), ["file:///a%zz"]);
});

Deno.test("uploadPathCandidates() keeps Windows backslashes as separators", () => {
  assert.deepEqual(uploadPathCandidates("C:\\Users\\Ana\\a b.txt", windows), [
    "C:\\Users\\Ana\\a b.txt",
  ]);
  assert.deepEqual(uploadPathCandidates("\\\\?\\C:\\x\\y.txt", windows), ["\\\\?\\C:\\x\\y.txt"]);
  // Written with an escape on Windows: the text as typed first, the unescaped one after.
  assert.deepEqual(uploadPathCandidates("C:\\a\\ b.txt", windows), ["C:\\a\\ b.txt", "C:a b.txt"]);
});

Deno.test("findUploadFile() takes the first candidate that is a file and names a folder as such", async () => {
  const fs = {
    stat(path: string) {
      if (path === "dir") return Promise.resolve({ isFile: false, isDirectory: true, size: 0 });
      if (path === "f") return Promise.resolve({ isFile: true, isDirectory: false, size: 5 });
      if (path === "secret") return Promise.reject(new Deno.errors.PermissionDenied("no"));
      return Promise.reject(new Deno.errors.NotFound("no"));
    },
  };
  assert.deepEqual(await findUploadFile(["x", "f"], fs), { ok: true, path: "f", size: 5 });
  assert.deepEqual(await findUploadFile(["dir", "x"], fs), {
    ok: false,
    code: "is_directory",
    path: "dir",
  });
  assert.deepEqual(await findUploadFile(["x", "y"], fs), {
    ok: false,
    code: "file_missing",
    path: "x",
  });
  assert.deepEqual(await findUploadFile(["secret"], fs), {
    ok: false,
    code: "unreadable",
    path: "secret",
  });
});
