import assert from "node:assert/strict";
import { TokenBucket } from "../lib/protocol/token_bucket.ts";

Deno.test("TokenBucket starts full and lets a burst through at once", () => {
  const bucket = new TokenBucket(20, 40, 1000);
  for (let i = 0; i < 40; i++) assert.equal(bucket.take(1000), true, `token ${i}`);
  assert.equal(bucket.take(1000), false);
});

Deno.test("TokenBucket refills at its rate and never above the burst", () => {
  const bucket = new TokenBucket(10, 5, 0);
  for (let i = 0; i < 5; i++) bucket.take(0);
  assert.equal(bucket.take(50), false, "half a token after 50 ms");
  assert.equal(bucket.take(100), true, "one token after 100 ms");
  assert.equal(bucket.take(100), false);
  let taken = 0;
  while (bucket.take(60_000)) taken++;
  assert.equal(taken, 5, "a long pause refills only up to the burst");
});

Deno.test("TokenBucket treats a clock that goes back as no time elapsed", () => {
  const bucket = new TokenBucket(1, 1, 5000);
  assert.equal(bucket.take(5000), true);
  assert.equal(bucket.take(1000), false);
  assert.equal(bucket.take(1999), false, "time counts from the last call, not the first");
  assert.equal(bucket.take(2000), true);
});

Deno.test("TokenBucket refuses a rate or burst it cannot honour", () => {
  assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
  assert.throws(() => new TokenBucket(1, 0, 0), RangeError);
});

Deno.test("TokenBucket with a burst under one token lets nothing through", () => {
  const bucket = new TokenBucket(0.5, 0.5, 0);
  assert.equal(bucket.take(0), false);
  assert.equal(bucket.take(60_000), false);
});
