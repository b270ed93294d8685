/**
 * The stream listeners (Kong's `stream_listen`): plain TCP ones, and `ssl` ones that read the ClientHello's
 * server name first, then terminate TLS or pass the bytes through as the matched route says. Closing one stops
 * accepting, lets open sessions run for the drain timeout, then cuts what is left.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ListenAddress } from '../settings/settings.ts';
import { handleStream, type StreamEnv } from './session.ts';

export interface RunningStreamListener {
  readonly address: string;
  readonly port: number;
  readonly ssl: boolean;
  /** Open sessions (client connections). */
  connections(): number;
  close(drainMs: number): Promise<void>;
}

export async function listenStream(at: ListenAddress, env: StreamEnv, portMaps?: ReadonlyMap<number, number>): Promise<RunningStreamListener> {
  const sockets = new Set<Socket>();
  let sessions = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    sessions++;
    track(client);
    handleStream(env, { ssl: at.ssl, hostPort }, client, track)
      .catch((err: unknown) => {
        env.log.error({ err: err instanceof Error ? err.message : String(err) }, 'stream session failed');
        client.destroy();
      })
      .finally(() => {
        sessions--;
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPort = portMaps?.get(port) ?? port;
  return {
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    port,
    ssl: at.ssl,
    connections: () => sessions,
    async close(drainMs) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, drainMs);
      await stopped;
      // server.close waits for the client sockets; the upstream ones close with them.
      while (sessions > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      clearTimeout(timer);
    },
  };
}
