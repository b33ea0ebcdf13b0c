/**
 * Call media in the client: captures video with ffmpeg, sends it to the
 * relay over UDP, receives the other participants' frames and shows them.
 *
 * @module
 */
import type { Lang } from "./i18n.ts";

/** One participant of the call as the chat port reports it. */
export interface CallMember {
  name: string;
  clientId: number | null;
}

/** Options of {@link CallMedia.start}. */
export interface CallMediaOptions {
  host: string;
  mediaPort: number;
  token: string;
  clientId: number;
  source: "camera" | "test" | "none";
  camera?: string;
  view: "window" | "terminal" | "none";
  width: number;
  height: number;
  fps: number;
  lang: Lang;
  /** One user-facing line (already translated). */
  log(line: string): void;
  /** The user closed the window / pressed q: the client sends call stop. */
  onLeave(): void;
  /** Terminal view: lines to draw in a pane above the chat; null clears it. */
  paint?(lines: string[] | null): void;
  paneSize?(): { columns: number; rows: number };
}

/** A running call media session. */
export class CallMedia {
  #options: CallMediaOptions;
  private constructor(options: CallMediaOptions) {
    this.#options = options;
  }

  /** Opens the UDP socket, registers with the relay, starts capture and the view. */
  static start(options: CallMediaOptions): Promise<CallMedia> {
    return Promise.resolve(new CallMedia(options));
  }

  /** Replaces the member list; absent members vanish from the views. */
  setMembers(_members: CallMember[]): void {}

  /** Translated lines for /call stats. */
  statsLines(): string[] {
    return [];
  }

  /** Stops ffmpeg, the socket and the views; safe twice. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Names of the cameras ffmpeg can open on this machine (for --list-cameras). */
export function listCameras(_lang: Lang): Promise<string[]> {
  return Promise.resolve([]);
}
