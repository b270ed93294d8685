/**
 * nginx's $connection and $connection_requests: a serial number per client connection (per process, as nginx's
 * are per worker), and how many requests it has carried, this one included.
 */
interface ConnectionCount {
  readonly serial: number;
  requests: number;
}

const counts = new WeakMap<object, ConnectionCount>();
let serials = 0;

/** Counts a request on its connection (numbered at its first request); what the connection is at now. */
export function countRequest(socket: object): { readonly serial: number; readonly requests: number } {
  let count = counts.get(socket);
  if (count === undefined) counts.set(socket, (count = { serial: ++serials, requests: 0 }));
  count.requests++;
  return { serial: count.serial, requests: count.requests };
}
