import assert from "node:assert/strict";
import { VIDEO_TEXT } from "../lib/media/video_text.ts";
import { catalogueProblems } from "./catalogue_check.ts";

Deno.test("the video catalogue has every key in Spanish and English with the same placeholders", () => {
  assert.deepEqual(catalogueProblems(VIDEO_TEXT), []);
});
