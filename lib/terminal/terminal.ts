/**
 * The client's terminal, split by concern into the modules of this folder:
 * `width.ts`, `style.ts`, `render_event.ts`, `connect_text.ts`,
 * `progress.ts`, `line_editor.ts`, `input.ts`, `output.ts`, `block.ts`,
 * `terminal_ui.ts`, `pipe_terminal.ts`, `interactive_terminal.ts`.
 *
 * @module
 */

// TODO(integration): re-export. Kept so client.ts and tests importing
// lib/terminal/terminal.ts compile; import from the modules above instead.
export { displayWidth, graphemes, graphemeWidth, sanitize, truncate } from "./width.ts";
export { nameStyle } from "./style.ts";
export { type RenderContext, renderEvent, type Translate } from "./render_event.ts";
export { describeConnectError, renderLost } from "./connect_text.ts";
export { renderProgress } from "./progress.ts";
export { type EditorAction, LineEditor } from "./line_editor.ts";
export { type InputItem } from "./input.ts";
export type { TerminalOptions, TerminalUi } from "./terminal_ui.ts";
export { PipeTerminal } from "./pipe_terminal.ts";
export { type InteractiveOptions, InteractiveTerminal } from "./interactive_terminal.ts";
