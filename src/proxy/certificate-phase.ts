/**
 * The certificate phase: global plugins that have one run during each TLS handshake, before the certificate is
 * chosen by SNI. A plugin that throws (or rejects) refuses the handshake; the log line names it and the phase.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { processCache } from '../pdk/cache.ts';
import type { CertificateKong } from '../pdk/kong.ts';
import { NODE } from '../pdk/node.ts';
import type { PlannedPlugin } from '../snapshot/plugin-plans.ts';

export async function runCertificatePhase(plugins: readonly PlannedPlugin[], serverName: string | undefined, log: Logger): Promise<void> {
  for (const plugin of plugins) {
    const fn = plugin.handler.certificate;
    if (!fn) continue;
    const child = log.child({ plugin: plugin.name, phase: 'certificate' });
    const kong: CertificateKong = {
      tls: { getServerName: () => serverName },
      node: NODE,
      log: {
        debug: (m, f) => child.debug(f ?? {}, m),
        info: (m, f) => child.info(f ?? {}, m),
        warn: (m, f) => child.warn(f ?? {}, m),
        error: (m, f) => child.error(f ?? {}, m),
      },
      cache: processCache,
      ctx: { plugin: {} },
    };
    try {
      await fn(kong, plugin.config, plugin.prepared);
    } catch (err) {
      log.error({ plugin: plugin.name, plugin_id: plugin.id, phase: 'certificate', err: describeError(err) }, 'plugin failed');
      throw err;
    }
  }
}
