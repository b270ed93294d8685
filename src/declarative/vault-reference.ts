/**
 * Kong's vault references (kong/pdk/vault.lua): `{vault://<name or prefix>/<resource>[/<key>][?<config>][#<version>]}`.
 * Only the `env` vault exists in Kong 3.10 OSS (kong/vaults/env): `<prefix><resource>`, upper-cased with `-` → `_`,
 * read from the environment; `#2` reads `<NAME>_PREVIOUS`; a `/<key>` reads a field of the JSON the variable holds.
 */
export interface VaultReference {
  /** The vault's name or a vaults entity's prefix (the URL's host). */
  readonly name: string;
  readonly resource: string;
  readonly key: string | undefined;
  readonly config: Readonly<Record<string, string>>;
  readonly version: number | undefined;
}

export function isReference(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('{vault://') && value.endsWith('}');
}

export function parseReference(reference: string): VaultReference | string {
  let url: URL;
  try {
    url = new URL(reference.slice(1, -1));
  } catch {
    return `reference is not url [${reference}]`;
  }
  const name = url.hostname;
  if (name === '') return `reference url is missing host [${reference}]`;
  if (url.pathname === '') return `reference url is missing path [${reference}]`;
  const path = url.pathname.slice(1);
  if (path === '') return `reference url has empty path [${reference}]`;
  let version: number | undefined;
  if (url.hash !== '') {
    version = Number(url.hash.slice(1));
    if (!Number.isInteger(version)) return `reference url has invalid version [${reference}]`;
  }
  const parts = path.split('/');
  const directory = path.endsWith('/');
  const segments = parts.filter((p) => p !== '');
  if (segments.length === 0) return `reference url has invalid path [${reference}]`;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  let resource: string;
  let key: string | undefined;
  if (segments.length === 1 || directory) resource = decode(segments.join('/'));
  else {
    resource = decode(segments.slice(0, -1).join('/'));
    key = decode(segments.at(-1)!);
  }
  return { name, resource, key, config: Object.fromEntries(url.searchParams), version };
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** What the env vault reads: `{ variable }` and its value, or why not. */
export function readEnvVault(ref: VaultReference, prefix: string | undefined, env: Environment): { ok: true; value: string } | { ok: false; message: string } {
  let variable = `${prefix ?? ''}${ref.resource}`.replace(/-/g, '_').toUpperCase();
  if (ref.version === 2) variable = `${variable}_PREVIOUS`;
  const raw = env[variable];
  if (raw === undefined) return { ok: false, message: `environment variable '${variable}' is not set` };
  if (ref.key === undefined) return { ok: true, value: raw };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, message: `environment variable '${variable}' is not JSON, so it has no key '${ref.key}'` };
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[ref.key] : undefined;
  if (value === undefined || value === null) return { ok: false, message: `environment variable '${variable}' has no key '${ref.key}'` };
  return { ok: true, value: typeof value === 'string' ? value : JSON.stringify(value) };
}
