/**
 * What each decoded server frame (lib/protocol/wire_chat.ts) does to a chat
 * session: most become one client event; files are remembered; call frames
 * go to the call flow; a shutdown or an error the server closes after is
 * noted so the close can be explained.
 *
 * @module
 */

import { chatErrorCloses, type ChatServerMessage } from "../protocol/wire_chat.ts";
import type { SharedFile } from "../protocol/wire.ts";
import type { CallFlow } from "./call_flow.ts";
import type { EmitEvent } from "./events.ts";

/** The parts of a chat session a server frame changes. */
export interface MessageTarget {
  /** Our name (our own messages are marked `own`). */
  readonly name: string;
  readonly emit: EmitEvent;
  /** Files known by id (welcome, `/files`, announcements). */
  readonly files: Map<string, SharedFile>;
  readonly call: CallFlow;
  /** The server said it is shutting down. */
  shutdown(): void;
  /** An error frame: the one the server closes after, or null for one it does not. */
  error(closing: { code: string; message: string } | null): void;
}

/** Applies one server frame to the session `t`. Never waits. */
export function dispatchServerMessage(m: ChatServerMessage, t: MessageTarget): void {
  switch (m.type) {
    case "message":
      t.emit({
        type: "message",
        from: m.from,
        text: m.text,
        own: m.from === t.name,
        history: m.history,
      });
      return;
    case "shutdown":
      t.shutdown();
      t.emit({ type: "shutdown" });
      return;
    case "join":
      t.emit({ type: "join", name: m.name });
      return;
    case "leave":
      t.emit({ type: "leave", name: m.name, reason: m.reason });
      return;
    case "system":
      t.emit({ type: "system", text: m.text });
      return;
    case "who":
      t.emit({ type: "who", members: m.members });
      return;
    case "file_available":
      t.files.set(m.file.fileId, m.file);
      t.emit({ type: "file", file: m.file, history: m.history });
      return;
    case "files":
      for (const f of m.files) t.files.set(f.fileId, f);
      t.emit(m);
      return;
    case "pong":
      return;
    case "error":
      // Only an error the server closes after explains a later close.
      t.error(chatErrorCloses(m.code) ? { code: m.code, message: m.message } : null);
      t.call.onError(m.code);
      if (t.call.hidesError(m.code)) return;
      t.emit({ type: "server_error", code: m.code, message: m.message });
      return;
    case "call_joined":
      t.call.onJoined(m);
      return;
    case "call":
      t.call.onNotice(m);
      return;
    case "keyframe_request":
      t.call.onKeyframeRequest();
      return;
  }
}
