/**
 * The server's stop signals: SIGINT/SIGTERM (SIGINT/SIGBREAK on Windows)
 * resolve one promise, so server.ts stops cleanly on Ctrl+C or a service
 * manager's stop.
 *
 * @module
 */

/**
 * Resolves on the first SIGINT/SIGTERM (SIGINT/SIGBREAK on Windows) or the
 * first `request()` (the console's `/stop`); the returned `remove` takes the
 * listeners away again.
 */
export function stopSignals(): { stop: Promise<void>; request: () => void; remove: () => void } {
  const { promise: stop, resolve: requestStop } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  const onSignal = () => requestStop();
  for (const s of signals) {
    try {
      Deno.addSignalListener(s, onSignal);
    } catch {
      // Signal not supported here.
    }
  }
  const remove = () => {
    for (const s of signals) {
      try {
        Deno.removeSignalListener(s, onSignal);
      } catch {
        // Was not added.
      }
    }
  };
  return { stop, request: () => requestStop(), remove };
}
