/** UDP helpers shared by the relay tests: sockets on 127.0.0.1 and a receive with a hang guard. */
import { withDeadline } from "./wait.ts";

/** A UDP socket of the tests. */
export type Udp = Deno.DatagramConn;

/** A UDP socket on 127.0.0.1, free port. */
export function udp(): Udp {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

/** The local port of `socket`. */
export function portOf(socket: Udp): number {
  return (socket.addr as Deno.NetAddr).port;
}

/** The loopback address of `port`, for `socket.send`. */
export function to(port: number): Deno.NetAddr {
  return { transport: "udp", hostname: "127.0.0.1", port };
}

/** Receives one datagram or fails after a generous deadline (a hang guard, not a timing check). */
export async function receive(socket: Udp, ms = 5000): Promise<Uint8Array> {
  const [data] = await withDeadline(socket.receive(), ms, `a datagram on port ${portOf(socket)}`);
  return data;
}
