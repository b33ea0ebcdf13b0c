/**
 * The client's side of a call as one explicit state machine: three states,
 * five events, and a transition table ({@link CALL_TRANSITIONS}) that is the
 * only thing allowed to move the state. An event the table does not list for
 * the current state is refused and leaves the state as it was.
 *
 * ```
 * idle ──start──▶ joining ──joined──▶ in
 *  ▲                 │                 │
 *  └── leave | timed_out | closed ─────┘   (closed is also allowed in idle)
 * ```
 *
 * @module
 */

/** Where the client stands in the call. */
export type CallState =
  /** Not in a call. */
  | "idle"
  /** `call start` sent, `call_joined` not seen yet. */
  | "joining"
  /** `call_joined` seen: media may run. */
  | "in";

/** What can happen to the call. */
export type CallEvent =
  /** The user asked to start or join the call. */
  | "start"
  /** The server's `call_joined` arrived. */
  | "joined"
  /** We leave: `/call stop`, the video window closed, or the media failed to start. */
  | "leave"
  /** The server took us out for sending no media (`media_timeout`). */
  | "timed_out"
  /** The chat session ends (quit, close, connection lost). */
  | "closed";

/** For each state, the events it accepts and the state each leads to. */
export const CALL_TRANSITIONS: Readonly<
  Record<CallState, Readonly<Partial<Record<CallEvent, CallState>>>>
> = Object.freeze({
  idle: Object.freeze({ start: "joining", closed: "idle" }),
  joining: Object.freeze({ joined: "in", leave: "idle", timed_out: "idle", closed: "idle" }),
  in: Object.freeze({ leave: "idle", timed_out: "idle", closed: "idle" }),
});

/**
 * The state of one client's call. It knows nothing of sockets or media; the
 * call flow (lib/client/call_flow.ts) feeds it events and acts on the answer.
 *
 * @example
 * ```ts
 * import { CallSession } from "./call_session.ts";
 * const call = new CallSession();
 * call.apply("start"); // true: idle -> joining
 * call.apply("start"); // false: already joining, state unchanged
 * call.state; // "joining"
 * ```
 */
export class CallSession {
  #state: CallState = "idle";

  /** The current state. */
  get state(): CallState {
    return this.#state;
  }

  /** Whether a call is joined or being joined. */
  get active(): boolean {
    return this.#state !== "idle";
  }

  /** Whether the table accepts `event` in the current state. */
  can(event: CallEvent): boolean {
    return CALL_TRANSITIONS[this.#state][event] !== undefined;
  }

  /**
   * Feeds one event. Returns true when the table accepted it (the state may
   * then be the same, as `closed` in `idle`); false when it refused it, with
   * the state unchanged.
   */
  apply(event: CallEvent): boolean {
    return this.#transition(event);
  }

  #transition(event: CallEvent): boolean {
    const next = CALL_TRANSITIONS[this.#state][event];
    if (next === undefined) return false;
    this.#state = next;
    return true;
  }
}
