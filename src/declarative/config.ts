/**
 * The validated, normalized form of a declarative file: flat collections (nesting resolved), Kong's defaults
 * filled, every entity with an id, every reference as `{ id }`. Field names are Kong's, so the admin API and
 * `GET /config` can hand them out as Kong does.
 */
import type { Static, TObject } from '../schema/kit.ts';
import type { serviceFields } from '../entities/service.ts';
import type { routeFields } from '../entities/route.ts';
import type { consumerFields, consumerGroupFields } from '../entities/consumer.ts';
import type { pluginFields } from '../entities/plugin.ts';
import type { upstreamFields, targetFields } from '../entities/upstream.ts';
import type { certificateFields, sniFields, caCertificateFields } from '../entities/certificate.ts';
import type {
  keyauthCredentialFields, basicauthCredentialFields, jwtSecretFields, hmacauthCredentialFields, aclFields,
} from '../entities/credentials.ts';
import type { keyFields, keySetFields } from '../entities/key.ts';
import type { vaultFields } from '../entities/vault.ts';
import type { Protocol } from '../plugins/schema-types.ts';

export interface Ref {
  readonly id: string;
}

type Meta = 'id' | '_comment' | '_ignore';

/** A stored entity: optional fields become `T | null`, references become `Ref | null`, `id` is always set. */
type Stored<S extends TObject, Refs extends string = never, Omitted extends string = never> = {
  readonly [K in Exclude<keyof Static<S>, Meta | Refs | Omitted>]-?: Exclude<Static<S>[K], undefined>;
} & { readonly [K in Refs]: Ref | null } & { readonly id: string };

export type Service = Stored<typeof serviceFields, 'client_certificate', 'url'>;
export type Route = Stored<typeof routeFields, 'service'>;
export type Consumer = Stored<typeof consumerFields>;
export type ConsumerGroup = Stored<typeof consumerGroupFields>;
export interface ConsumerGroupConsumer {
  readonly consumer: Ref;
  readonly consumer_group: Ref;
}
export type Plugin = Omit<Stored<typeof pluginFields, 'route' | 'service' | 'consumer' | 'consumer_group'>, 'config' | 'protocols'> & {
  readonly config: Readonly<Record<string, unknown>>;
  readonly protocols: readonly Protocol[];
};
export type Upstream = Stored<typeof upstreamFields, 'client_certificate'>;
export type Target = Stored<typeof targetFields, 'upstream'>;
export type Certificate = Stored<typeof certificateFields>;
export type Sni = Stored<typeof sniFields, 'certificate'>;
export type CaCertificate = Omit<Stored<typeof caCertificateFields>, 'cert_digest'> & { readonly cert_digest: string };
export type KeyauthCredential = Omit<Stored<typeof keyauthCredentialFields, 'consumer'>, 'key'> & { readonly key: string };
export type BasicauthCredential = Stored<typeof basicauthCredentialFields, 'consumer'>;
export type JwtSecret = Omit<Stored<typeof jwtSecretFields, 'consumer'>, 'key' | 'secret'> & { readonly key: string; readonly secret: string };
export type HmacauthCredential = Omit<Stored<typeof hmacauthCredentialFields, 'consumer'>, 'secret'> & { readonly secret: string };
export type Acl = Stored<typeof aclFields, 'consumer'>;
export type KeySet = Stored<typeof keySetFields>;
export type Key = Stored<typeof keyFields, 'set'>;
export type Vault = Omit<Stored<typeof vaultFields>, 'config'> & { readonly config: Readonly<Record<string, unknown>> };

export interface Config {
  /** The `_format_version` the file declared (1.1 and 2.1 files are migrated to 3.0 on load). */
  readonly format_version: string;
  /** `_transform`: false means values were taken as stored (e.g. basic-auth passwords already hashed). */
  readonly transform: boolean;
  readonly services: readonly Service[];
  readonly routes: readonly Route[];
  readonly consumers: readonly Consumer[];
  readonly consumer_groups: readonly ConsumerGroup[];
  readonly consumer_group_consumers: readonly ConsumerGroupConsumer[];
  readonly plugins: readonly Plugin[];
  readonly upstreams: readonly Upstream[];
  readonly targets: readonly Target[];
  readonly certificates: readonly Certificate[];
  readonly snis: readonly Sni[];
  readonly ca_certificates: readonly CaCertificate[];
  readonly keyauth_credentials: readonly KeyauthCredential[];
  readonly basicauth_credentials: readonly BasicauthCredential[];
  readonly jwt_secrets: readonly JwtSecret[];
  readonly hmacauth_credentials: readonly HmacauthCredential[];
  readonly acls: readonly Acl[];
  /** Validated and listed; no bundled plugin uses them yet. */
  readonly keys: readonly Key[];
  readonly key_sets: readonly KeySet[];
  readonly vaults: readonly Vault[];
}
