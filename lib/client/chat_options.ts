/**
 * The options of a chat session ({@link ChatClientOptions}, taken by
 * `ChatClient.connect` in chat_client.ts): where the server is, who we are,
 * where events and downloads go, and what tests inject (connect, clocks,
 * transfers, media).
 *
 * @module
 */

import type { VideoCodec } from "../protocol/call_codecs.ts";
import type { Clock } from "../protocol/clock.ts";
import type { Message } from "../protocol/frame.ts";
import type { Lang } from "../protocol/i18n.ts";
import type { StartMedia } from "./call_flow.ts";
import type { EmitEvent } from "./events.ts";
import type { Connect } from "./handshake.ts";
import type { TransferFunctions } from "./transfer_jobs.ts";

/** Options of `ChatClient.connect`. */
export interface ChatClientOptions {
  host: string;
  port: number;
  name: string;
  lang: Lang;
  /** File port; default: the welcome's `file_port`, else DEFAULT_FILE_PORT. */
  filePort?: number;
  /** Media port; default: `call_joined.media_port`, the welcome's, else DEFAULT_MEDIA_PORT. */
  mediaPort?: number;
  /** Where downloads go. */
  downloads: string;
  /** Receives every event, synchronously; must not throw or block. */
  onEvent: EmitEvent;
  transfers?: TransferFunctions;
  /** Starts the call media once `call_joined` arrives; without it calls are signaling only. */
  startMedia?: StartMedia;
  /** Video codecs offered in `call start` (lib/media/call_media.ts `videoOfferFor`). */
  videoOffer?: readonly VideoCodec[];
  /** TCP connect (default `Deno.connect`); tests inject failures. */
  connect?: Connect;
  /** Connect timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Time allowed for the welcome in ms (default 10,000). */
  helloTimeoutMs?: number;
  /** Ping interval in ms (default 20,000). */
  pingIntervalMs?: number;
  /** Whether a lost connection is retried (default true); false ends the session with `lost`. */
  reconnect?: boolean;
  /**
   * Time of the pings, of the silence check and of the pauses between
   * reconnection attempts (default the system clock); tests inject a fake one.
   */
  clock?: Clock;
  /**
   * Silence from the server after which the connection counts as lost, in ms
   * (default two ping intervals and 5 s): the server answers every ping, so a
   * connection that went dead without a reset (Wi-Fi out of range) is noticed.
   */
  silenceMs?: number;
  /** The room password for the server's challenge (auth.ts); absent: none. */
  password?: string;
  /** Frames of types this client does not decode (the teacher replies of admin.ts). */
  onOtherFrame?: (raw: Message) => void;
  /** Sees each input line first; true when it handled it (the teacher commands of admin.ts). */
  interceptLine?: (line: string) => boolean;
}
