/**
 * The one place where PC3's version lives. The server's `welcome.server`,
 * the banner and the client's hello all read it from here.
 *
 * @module
 */

/** PC3 version (semver). */
export const VERSION = "0.1.0";
