import assert from "node:assert/strict";
import type { TransferInfo } from "../lib/client/events.ts";
import { clientText } from "../lib/client/text.ts";
import { translator } from "../lib/protocol/i18n.ts";
import { renderProgress } from "../lib/terminal/progress.ts";
import { displayWidth } from "../lib/terminal/width.ts";

const es = translator(clientText, "es");

Deno.test("renderProgress() shows percent, speed and time left within the width", () => {
  const info: TransferInfo = {
    id: 1,
    kind: "upload",
    label: "video.mp4",
    done: 50 * 1024 * 1024,
    total: 100 * 1024 * 1024,
    started: 0,
  };
  const line = renderProgress(info, { t: es, now: 10_000, columns: 200, color: false });
  assert.match(
    line,
    /^↑ video\.mp4 \[█{10}░{10}\] 50% {2}50\.0 MB\/100\.0 MB {2}5\.0 MB\/s {2}quedan 0:10$/,
  );
  const narrow = renderProgress(info, { t: es, now: 10_000, columns: 30, color: false });
  assert.ok(displayWidth(narrow) <= 29);
});
