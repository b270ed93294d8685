/**
 * What the configs in service ask of the exporter (Kong's exporter.configure): whether any instance is enabled
 * (else a scrape shows the node's gauges only), and whether any asks for the targets' health. Set by the
 * handler's `configure`, read on a scrape.
 */
export const exporting = { enabled: false, upstreamHealth: false };

export function configureExport(configs: readonly { readonly upstream_health_metrics: boolean }[] | null): void {
  exporting.enabled = configs !== null;
  exporting.upstreamHealth = configs?.some((c) => c.upstream_health_metrics) ?? false;
}
