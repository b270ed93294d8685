/**
 * Kong's entity checks that a JSON Schema cannot express, and the normalizations that go with them (service
 * `url` shorthand, target default port, grpc route defaults...). Each runs on one flattened entity whose fields
 * passed the structural pass; it reports with the entity's path and may adjust `value`.
 */
import type { CollectionName } from '../entities/index.ts';
import type { FlatEntity } from './flatten.ts';
import { checkHostWithPort, isIPv6 } from './hosts.ts';
import type { IssueCollector } from './issues.ts';
import { certificateDigest, countCertificates, parseCertificate, parsePrivateKey, parsePublicKey } from './pem.ts';
import { entityLabel } from './references.ts';
import { normalizePath } from '../http/path.ts';
import { isSet, str, type Report } from './check-helpers.ts';
import { checkRoute, checkSniName } from './route-checks.ts';
import { checkKey, checkVault } from './key-checks.ts';
import { isReference } from './vault-reference.ts';

export type { Report } from './check-helpers.ts';

export { checkSniName } from './route-checks.ts';


type Check = (value: Record<string, unknown>, report: Report, raw: Readonly<Record<string, unknown>>) => void;


const URL_FIELDS = ['protocol', 'host', 'port', 'path'] as const;

function checkService(v: Record<string, unknown>, report: Report, raw: Readonly<Record<string, unknown>>): void {
  const url = str(raw.url);
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      report(['url'], `invalid url: ${url}`);
    }
    if (parsed) {
      const protocol = parsed.protocol.replace(/:$/, '');
      const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = parsed.port !== '' ? Number(parsed.port) : protocol === 'https' ? 443 : 80;
      const path = parsed.pathname === '' || (parsed.pathname === '/' && !/^[a-z]+:\/\/[^/]+\//i.test(url)) ? null : decodeURI(parsed.pathname);
      const derived: Record<string, unknown> = { protocol, host, port, path };
      for (const field of URL_FIELDS) {
        const value = derived[field];
        if (raw[field] !== undefined && raw[field] !== null && raw[field] !== value) {
          report([field], `conflicts with 'url' (${url}), which sets ${field} to ${JSON.stringify(value)}`);
        }
        v[field] = value;
      }
    }
  } else if (raw.host === undefined || raw.host === null) {
    report(['host'], 'required field missing');
  }
  const protocol = str(v.protocol) ?? 'http';
  const path = str(v.path);
  if (path !== undefined) {
    if (['tcp', 'tls', 'tls_passthrough', 'udp', 'grpc', 'grpcs'].includes(protocol)) {
      report(['path'], `value must be null when 'protocol' is '${protocol}'`);
    }
    if (path.includes('//')) report(['path'], 'must not have empty segments');
    if (normalizePath(path) === undefined || /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/.test(path)) {
      report(['path'], 'invalid path: must use RFC 3986 characters with valid percent-encoding');
    }
  }
  if (!['https', 'tls', 'wss'].includes(protocol)) {
    for (const field of ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates']) {
      if (isSet(v[field])) report([field], `value must be null when 'protocol' is '${protocol}' (only https, tls and wss use it)`);
    }
  }
}

function checkConsumer(v: Record<string, unknown>, report: Report): void {
  if (!isSet(v.username) && !isSet(v.custom_id)) report([], "at least one of these fields must be non-empty: 'custom_id', 'username'");
}

function checkUpstream(v: Record<string, unknown>, report: Report, raw: Readonly<Record<string, unknown>>): void {
  const hashOn = str(v.hash_on) ?? 'none';
  const fallback = str(v.hash_fallback) ?? 'none';
  if (raw.algorithm === undefined || raw.algorithm === null) {
    if (hashOn !== 'none') v.algorithm = 'consistent-hashing';
  }
  const needs: Record<string, [string, string]> = {
    header: ['hash_on_header', 'hash_fallback_header'],
    cookie: ['hash_on_cookie', 'hash_on_cookie'],
    query_arg: ['hash_on_query_arg', 'hash_fallback_query_arg'],
    uri_capture: ['hash_on_uri_capture', 'hash_fallback_uri_capture'],
  };
  if (needs[hashOn] && !isSet(v[needs[hashOn][0]])) report([needs[hashOn][0]], `required field missing (hash_on is '${hashOn}')`);
  if (needs[fallback] && !isSet(v[needs[fallback][1]])) report([needs[fallback][1]], `required field missing (hash_fallback is '${fallback}')`);
  if (fallback !== 'none') {
    if (hashOn === 'none' || hashOn === 'cookie') report(['hash_fallback'], `must be 'none' when hash_on is '${hashOn}'`);
    else if (hashOn === fallback && !['header', 'query_arg', 'uri_capture'].includes(hashOn)) {
      report(['hash_fallback'], "values of these fields must be distinct: 'hash_on', 'hash_fallback'");
    } else if (hashOn === fallback && v[needs[hashOn]![0]] === v[needs[hashOn]![1]]) {
      report([needs[hashOn]![1]], `values of these fields must be distinct: '${needs[hashOn]![0]}', '${needs[hashOn]![1]}'`);
    }
  }
  const hostHeader = str(v.host_header);
  if (hostHeader !== undefined) {
    const problem = checkHostWithPort(hostHeader, { wildcard: false, port: true });
    if (problem) report(['host_header'], problem);
  }
}

function checkTarget(v: Record<string, unknown>, report: Report): void {
  const target = str(v.target);
  if (target === undefined) return;
  const problem = checkHostWithPort(target, { wildcard: false, port: true });
  if (problem) {
    report(['target'], `Invalid target ('${target}'); not a valid hostname or ip address`);
    return;
  }
  // Kong stores targets with their port; 8000 when none was given.
  if (isIPv6(target)) v.target = `[${target}]:8000`;
  else if (!/:\d+$/.test(target) || (target.startsWith('[') && target.endsWith(']'))) v.target = `${target}:8000`;
}

function checkCertificate(v: Record<string, unknown>, report: Report): void {
  const pair = (certField: string, keyField: string): string | undefined => {
    const certPem = str(v[certField]);
    const keyPem = str(v[keyField]);
    // A reference that did not resolve has been reported already.
    if (certPem === undefined || keyPem === undefined || isReference(certPem) || isReference(keyPem)) return undefined;
    const cert = parseCertificate(certPem);
    if (!cert.ok) report([certField], cert.message);
    const key = parsePrivateKey(keyPem);
    if (!key.ok) report([keyField], key.message);
    if (cert.ok && key.ok) {
      if (!cert.value.checkPrivateKey(key.value)) report([keyField], 'certificate does not match key');
      return key.value.asymmetricKeyType;
    }
    return undefined;
  };
  const main = pair('cert', 'key');
  if (isSet(v.cert_alt) !== isSet(v.key_alt)) {
    report([isSet(v.cert_alt) ? 'key_alt' : 'cert_alt'], "all or none of these fields must be set: 'cert_alt', 'key_alt'");
  } else if (isSet(v.cert_alt)) {
    const alt = pair('cert_alt', 'key_alt');
    if (main !== undefined && alt !== undefined && main === alt) {
      report(['cert_alt'], 'certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type');
    }
  }
}

function checkCaCertificate(v: Record<string, unknown>, report: Report): void {
  const pem = str(v.cert);
  if (pem === undefined) return;
  if (countCertificates(pem) > 1) {
    report(['cert'], 'please submit only one certificate at a time');
    return;
  }
  const cert = parseCertificate(pem);
  if (!cert.ok) {
    report(['cert'], cert.message);
    return;
  }
  if (!cert.value.ca) report(['cert'], 'certificate does not appear to be a CA because it is missing the "CA" basic constraint');
  else if (Date.parse(cert.value.validTo) < Date.now()) report(['cert'], 'expired certificate');
  const digest = certificateDigest(cert.value);
  if (isSet(v.cert_digest) && v.cert_digest !== digest) report(['cert_digest'], 'does not match the certificate');
  v.cert_digest = digest;
}

function checkSni(v: Record<string, unknown>, report: Report): void {
  const name = str(v.name);
  // Kong's wildcard_host takes a lone `*` (it checks `wildcard` in its place): the default certificate's SNI.
  const problem = name === undefined || name === '*' ? undefined : checkSniName(name);
  if (problem) report(['name'], problem);
}

function checkJwtSecret(v: Record<string, unknown>, report: Report): void {
  const algorithm = str(v.algorithm) ?? 'HS256';
  if (algorithm.startsWith('HS')) return;
  const pem = str(v.rsa_public_key);
  if (pem === undefined) {
    report(['rsa_public_key'], `required field missing (algorithm ${algorithm} verifies with a public key)`);
    return;
  }
  const key = parsePublicKey(pem);
  if (!key.ok) report(['rsa_public_key'], key.message);
}

const CHECKS: Partial<Record<CollectionName, Check>> = {
  services: checkService,
  routes: checkRoute,
  consumers: checkConsumer,
  upstreams: checkUpstream,
  targets: checkTarget,
  certificates: checkCertificate,
  ca_certificates: checkCaCertificate,
  snis: checkSni,
  jwt_secrets: checkJwtSecret,
  keys: checkKey,
  vaults: checkVault,
};

export function reporterFor(entity: FlatEntity, issues: IssueCollector): Report {
  return (field, message, options = {}) => {
    const where = [...entity.path, ...field];
    const details = { atKey: options.atKey ?? false, entity: entityLabel(entity) };
    if (options.warning) issues.warn(where, message, details);
    else issues.error(where, message, details);
  };
}

/** Runs the entity's checks; they see the entity as written too, for "was this set?" questions. */
export function checkEntity(entity: FlatEntity, issues: IssueCollector): void {
  CHECKS[entity.collection]?.(entity.value, reporterFor(entity, issues), entity.input);
}


