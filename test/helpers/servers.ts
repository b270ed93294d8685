/** Real servers on loopback for end-to-end tests: an upstream that reports what it received, and the gateway. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { startGateway, type Gateway } from '../../src/main.ts';
import { resolveSettings, type FlagValues } from '../../src/settings/settings.ts';
import { tempDir } from './temp.ts';

export interface Upstream {
  readonly port: number;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

/** What the echo upstream answers: the request as it arrived, and a digest of its body. */
export interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bodyBytes: number;
  readonly bodySha256: string;
  readonly server: string;
}

export async function startUpstream(handler?: (req: IncomingMessage, res: ServerResponse) => void, name = 'upstream'): Promise<Upstream> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    if (handler) return handler(req, res);
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: bytes, bodySha256: hash.digest('hex'), server: name };
      const body = JSON.stringify(echo);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface TestGateway {
  readonly gateway: Gateway;
  /** The config file it serves (and watches). */
  readonly file: string;
  readonly url: string;
  readonly port: number;
  /** The admin API's base URL. */
  readonly admin: string;
  stop(): Promise<void>;
}

/** A logger whose lines (parsed) land in `lines`, for tests that check what the gateway logged. */
export function recordingLogger(level = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** Starts the gateway on 127.0.0.1:0 with a config written from `yaml`. */
/** A gateway that may refuse to start (for tests of refusals): the rejection is the caller's to check. */
export async function tryStartTestGateway(yaml: string, flags: FlagValues = {}, log: Logger = pino({ level: 'silent' })): Promise<TestGateway> {
  const dir = tempDir('e2e');
  const file = typeof flags.config === 'string' ? flags.config : join(dir, 'kong.yaml');
  if (typeof flags.config !== 'string') writeFileSync(file, yaml);
  const settings = resolveSettings({ config: file, proxyListen: ['127.0.0.1:0'], adminListen: ['127.0.0.1:0'], statusListen: ['off'], drainTimeout: '1', workers: '1', ...flags }, {});
  const gateway = await startGateway(settings, log);
  const port = gateway.listeners[0]!.port;
  const admin = gateway.admins[0] ? `http://127.0.0.1:${gateway.admins[0].port}` : '';
  return { gateway, file, port, url: `http://127.0.0.1:${port}`, admin, stop: () => gateway.stop() };
}

export async function startTestGateway(yaml: string, flags: FlagValues = {}, log?: Logger): Promise<TestGateway> {
  try {
    return await tryStartTestGateway(yaml, flags, log);
  } catch (err) {
    // Most files start their gateway at the top level, where the gateway's own fault handlers would swallow the
    // rejection and the file would pass with no test run: a gateway that does not start fails the file.
    process.exitCode = 1;
    process.stderr.write(`startTestGateway: the gateway did not start: ${err instanceof Error ? err.message : String(err)}\n`);
    throw err;
  }
}

/**
 * The usual set-up of a plugin's end-to-end tests: an echo upstream, and a gateway whose one service `s` points at
 * it with the given routes (YAML list items, indented by two spaces). Both stop after the file's tests.
 */
export async function startRoutes(routes: string, flags: FlagValues = {}): Promise<{ upstream: Upstream; gw: TestGateway }> {
  const upstream = await startUpstream();
  const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes:\n${routes}`, flags);
  after(async () => {
    await gw.stop();
    await upstream.close();
  });
  return { upstream, gw };
}
