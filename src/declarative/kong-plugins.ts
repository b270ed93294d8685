/**
 * The plugins Kong 3.10 bundles (kong/constants.lua, `plugins`) that this gateway does not, so that a config naming
 * one is told so plainly rather than getting the generic "not enabled" message meant for typos and custom plugins.
 * (A test keeps it apart from the bundled list.)
 */
export const KONG_PLUGINS_NOT_BUNDLED: readonly string[] = Object.freeze([
  'acme', 'ai-prompt-decorator', 'ai-prompt-guard', 'ai-prompt-template', 'ai-proxy', 'ai-request-transformer',
  'ai-response-transformer', 'aws-lambda', 'azure-functions', 'datadog', 'grpc-gateway', 'grpc-web', 'ldap-auth',
  'loggly', 'oauth2', 'opentelemetry', 'post-function', 'pre-function', 'redirect', 'session', 'standard-webhooks',
  'statsd', 'zipkin',
]);

const NOT_BUNDLED = new Set(KONG_PLUGINS_NOT_BUNDLED);

export function isKongPluginNotBundled(name: string): boolean {
  return NOT_BUNDLED.has(name);
}
