import assert from "node:assert/strict";
import {
  CALL_TRANSITIONS,
  type CallEvent,
  CallSession,
  type CallState,
} from "../lib/client/call_session.ts";

const STATES: CallState[] = ["idle", "joining", "in"];
const EVENTS: CallEvent[] = ["start", "joined", "leave", "timed_out", "closed"];

/** A session brought to `state` through allowed transitions only. */
function sessionIn(state: CallState): CallSession {
  const session = new CallSession();
  const path: Record<CallState, CallEvent[]> = {
    idle: [],
    joining: ["start"],
    in: ["start", "joined"],
  };
  for (const event of path[state]) {
    assert.ok(session.apply(event), `${event} on the way to ${state}`);
  }
  assert.equal(session.state, state);
  return session;
}

Deno.test("CallSession starts idle and inactive", () => {
  const session = new CallSession();
  assert.equal(session.state, "idle");
  assert.equal(session.active, false);
});

Deno.test("CallSession takes every transition the table allows, to the state it names", () => {
  const expected: Array<[CallState, CallEvent, CallState]> = [
    ["idle", "start", "joining"],
    ["idle", "closed", "idle"],
    ["joining", "joined", "in"],
    ["joining", "leave", "idle"],
    ["joining", "timed_out", "idle"],
    ["joining", "closed", "idle"],
    ["in", "leave", "idle"],
    ["in", "timed_out", "idle"],
    ["in", "closed", "idle"],
  ];
  const table: Array<[CallState, CallEvent, CallState]> = [];
  for (const state of STATES) {
    for (const event of EVENTS) {
      const next = CALL_TRANSITIONS[state][event];
      if (next !== undefined) table.push([state, event, next]);
    }
  }
  assert.deepEqual(table, expected);
  for (const [from, event, to] of expected) {
    const session = sessionIn(from);
    assert.equal(session.can(event), true, `${from} --${event}-->`);
    assert.equal(session.apply(event), true, `${from} --${event}-->`);
    assert.equal(session.state, to, `${from} --${event}--> ${to}`);
    assert.equal(session.active, to !== "idle");
  }
});

Deno.test("CallSession refuses every transition the table lacks and keeps its state", () => {
  let refused = 0;
  for (const state of STATES) {
    for (const event of EVENTS) {
      if (CALL_TRANSITIONS[state][event] !== undefined) continue;
      const session = sessionIn(state);
      assert.equal(session.can(event), false, `${state} --${event}-->`);
      assert.equal(session.apply(event), false, `${state} --${event}-->`);
      assert.equal(session.state, state, `${state} after a refused ${event}`);
      refused++;
    }
  }
  // idle: joined, leave, timed_out; joining: start; in: start, joined.
  assert.equal(refused, 6);
});

Deno.test("CallSession refuses a second start while joining", () => {
  const session = new CallSession();
  assert.equal(session.apply("start"), true);
  assert.equal(session.apply("start"), false);
  assert.equal(session.state, "joining");
});

Deno.test("CALL_TRANSITIONS cannot be changed at run time", () => {
  assert.throws(() => {
    (CALL_TRANSITIONS.idle as Record<string, string>).joined = "in";
  }, TypeError);
  assert.equal(new CallSession().apply("joined"), false);
});
