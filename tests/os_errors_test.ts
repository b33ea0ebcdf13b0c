import assert from "node:assert/strict";
import { clientText } from "../lib/client/text.ts";
import { osErrorCode } from "../lib/client/os_errors.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { renderEvent } from "../lib/terminal/render_event.ts";

Deno.test("osErrorCode() reads the error's class or errno, never its English message", () => {
  assert.equal(
    osErrorCode(new Deno.errors.AlreadyExists("File exists (os error 80)")),
    "os_exists",
  );
  assert.equal(
    osErrorCode(new Deno.errors.PermissionDenied("Access is denied. (os error 5)")),
    "os_permission",
  );
  assert.equal(osErrorCode(new Deno.errors.NotFound("x")), "os_not_found");
  assert.equal(
    osErrorCode(Object.assign(new Error("No space left"), { code: "ENOSPC" })),
    "os_no_space",
  );
  assert.equal(
    osErrorCode(Object.assign(new Error("x"), { code: "ENAMETOOLONG" })),
    "os_name_too_long",
  );
  assert.equal(osErrorCode(new Error("File exists (os error 80)")), null);
  assert.equal(osErrorCode("EEXIST"), null);
});

Deno.test("a real OS error from a transfer is told in the chosen language", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let error: unknown;
    try {
      await Deno.mkdir(dir); // Already there.
    } catch (e) {
      error = e;
    }
    const code = osErrorCode(error);
    assert.equal(code, "os_exists");
    const transfer = {
      id: 1,
      kind: "download" as const,
      label: "a.txt",
      done: 0,
      total: 1,
      started: 0,
    };
    const [line] = renderEvent(
      { type: "transfer_failed", transfer, code: code!, message: (error as Error).message },
      { t: translator(clientText, "es"), color: false, me: null },
    );
    assert.equal(
      line,
      "[ERROR] No se pudo descargar a.txt: ya existe un archivo o carpeta con ese nombre",
    );
    assert.doesNotMatch(line, /os error|File exists/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
