/**
 * The defaults every PC3 program shares: the three ports and the frame limits
 * of PROTOCOL.md. One place, so the server, the client, the help texts and the
 * tests cannot drift apart.
 *
 * @module
 */

/** Default TCP port of the chat service. */
export const DEFAULT_CHAT_PORT = 9009;
/** Default TCP port of the file service. */
export const DEFAULT_FILE_PORT = 9010;
/** Default UDP port of the media relay. */
export const DEFAULT_MEDIA_PORT = 9020;

/** The three default ports, as the server's configuration spells them. */
export const DEFAULT_PORTS: Readonly<{ chatPort: number; filePort: number; mediaPort: number }> =
  Object.freeze({
    chatPort: DEFAULT_CHAT_PORT,
    filePort: DEFAULT_FILE_PORT,
    mediaPort: DEFAULT_MEDIA_PORT,
  });

/** Default longest chat message text, in UTF-8 bytes (PROTOCOL.md section 7). */
export const DEFAULT_MAX_MESSAGE = 4096;

/**
 * Largest frame a client accepts from the chat server: 1 MiB, above the
 * server's own 64 KiB limit because a `welcome` or `who` listing many members
 * is larger (PROTOCOL.md section 1).
 */
export const SERVER_MAX_FRAME = 1024 * 1024;
