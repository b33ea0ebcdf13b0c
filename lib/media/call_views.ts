/**
 * The views of a call: which one the user chose (browser window, terminal
 * pane or none), opening and closing it, and the tiles it shows — the other
 * members in the order the chat port lists them, then ourselves while we
 * capture. A member without a picture shows "sin vídeo".
 *
 * @module
 */
import type { Lang } from "../protocol/i18n.ts";
import { translator } from "../protocol/i18n.ts";
import type { Clock } from "../protocol/clock.ts";
import type { SafeText } from "../protocol/safe_text.ts";
import { clientText } from "../client/text.ts";
import { TerminalView, type ViewTile } from "./video_terminal.ts";
import { type PageHooks, VideoWindow, type WindowTile } from "./video_window.ts";

/** One participant of the call as the chat port reports it. */
export interface CallMember {
  name: string;
  clientId: number | null;
}

/** What the views show: the members, our own id and the pictures. */
export interface CallScene {
  members: CallMember[];
  selfId: number;
  /** Whether our own tile is shown (we capture). */
  showSelf: boolean;
  selfJpeg: Uint8Array | null;
  /** The last picture of a member's tile id, or null. */
  jpegOf(id: number): Uint8Array | null;
}

/** Options of {@link CallViews.open}. */
export interface CallViewsOptions {
  view: "window" | "terminal" | "none";
  lang: Lang;
  clock: Clock;
  log(line: string): void;
  /** The user closed the window or pressed q. */
  onLeave(): void;
  paint?(lines: readonly SafeText[] | null): void;
  paneSize?(): { columns: number; rows: number };
  /** Page modules plugged into the window view (the sound). */
  page?: PageHooks;
  /** The window's page needs a keyframe of tile (= media client id) `id`. */
  onKeyframe?(id: number): void;
}

/** First tile id given to members without a client id (they cannot collide with real ids). */
const ANONYMOUS_BASE = 0xffff_0000;

/** Members other than `selfId`, in order, with the tile id each gets (pure). */
export function othersOf(
  members: CallMember[],
  selfId: number,
): { member: CallMember; id: number }[] {
  const out: { member: CallMember; id: number }[] = [];
  let anonymous = 0;
  for (const m of members) {
    if (m.clientId === selfId) continue;
    out.push({ member: m, id: m.clientId ?? (ANONYMOUS_BASE + anonymous++) });
  }
  return out;
}

/** The chosen view of a call; see the module docs. */
export class CallViews {
  #t: ReturnType<typeof translator<typeof clientText>>;
  #window: VideoWindow | null = null;
  #terminal: TerminalView | null = null;

  private constructor(lang: Lang) {
    this.#t = translator(clientText, lang);
  }

  /** Opens the view `options.view` names (the terminal pane only with paint and paneSize). */
  static async open(options: CallViewsOptions): Promise<CallViews> {
    const views = new CallViews(options.lang);
    if (options.view === "window") {
      views.#window = await VideoWindow.start({
        lang: options.lang,
        // PC3_NO_BROWSER=1: only print the page's address (headless machines, tests).
        open: Deno.env.get("PC3_NO_BROWSER") ? false : true,
        onLeave: options.onLeave,
        log: options.log,
        page: options.page,
        onKeyframe: options.onKeyframe,
      });
    } else if (options.view === "terminal" && options.paint && options.paneSize) {
      views.#terminal = new TerminalView({
        paint: options.paint,
        paneSize: options.paneSize,
        clock: options.clock,
      });
    }
    return views;
  }

  /** Whether the browser window view is open (it plays the sound). */
  get hasWindow(): boolean {
    return this.#window !== null;
  }

  /** Sends a page module's message to the window's pages (nothing without a window). */
  toPage(data: string | Uint8Array): void {
    this.#window?.broadcast(data);
  }

  /** Sends an `h264` payload of tile `id` to the window (only the window decodes H.264). */
  h264(id: number, seq: number, payload: Uint8Array): void {
    this.#window?.h264(id, seq, payload);
  }

  /** Shows a new picture in tile `id` of the window (the pane takes it at its next update). */
  frame(id: number, jpeg: Uint8Array): void {
    this.#window?.frame(id, jpeg);
  }

  /** Sends the tile list to the window and the pane (members or pictures came or went). */
  refresh(scene: CallScene): void {
    if (this.#window) {
      const tiles: WindowTile[] = othersOf(scene.members, scene.selfId).map((
        { member, id },
      ) => ({ id, name: member.name, video: scene.jpegOf(id) !== null }));
      if (scene.showSelf) {
        tiles.push({
          id: scene.selfId,
          name: this.#selfName(scene),
          video: scene.selfJpeg !== null,
        });
      }
      this.#window.setTiles(tiles);
    }
    this.updatePane(scene);
  }

  /** Gives the pane the latest pictures (the window gets frames one by one). */
  updatePane(scene: CallScene): void {
    if (!this.#terminal) return;
    const note = this.#t("no_video");
    const tiles: ViewTile[] = othersOf(scene.members, scene.selfId).map(({ member, id }) => ({
      id,
      name: member.name,
      jpeg: scene.jpegOf(id),
      note,
    }));
    if (scene.showSelf) {
      tiles.push({ id: scene.selfId, name: this.#selfName(scene), jpeg: scene.selfJpeg, note });
    }
    this.#terminal.update(tiles);
  }

  /** Clears the pane and closes the window; safe twice. */
  async close(): Promise<void> {
    this.#terminal?.close();
    this.#terminal = null;
    const win = this.#window;
    this.#window = null;
    await win?.close();
  }

  #selfName(scene: CallScene): string {
    const me = scene.members.find((m) => m.clientId === scene.selfId);
    return this.#t("you", { name: me?.name ?? "" }).trim();
  }
}
