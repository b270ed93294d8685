/** Every entity type of the declarative format, in the order Kong lists collections. */
import type { CollectionName, EntityDef } from './entity.ts';
import { serviceDef } from './service.ts';
import { routeDef } from './route.ts';
import { consumerDef, consumerGroupDef, consumerGroupConsumerDef } from './consumer.ts';
import { pluginDef } from './plugin.ts';
import { upstreamDef, targetDef } from './upstream.ts';
import { certificateDef, sniDef, caCertificateDef } from './certificate.ts';
import {
  keyauthCredentialDef, basicauthCredentialDef, jwtSecretDef, hmacauthCredentialDef, aclDef,
} from './credentials.ts';
import { keyDef, keySetDef } from './key.ts';
import { vaultDef } from './vault.ts';

export const ENTITIES: Readonly<Record<CollectionName, EntityDef>> = {
  certificates: certificateDef,
  ca_certificates: caCertificateDef,
  snis: sniDef,
  services: serviceDef,
  routes: routeDef,
  consumers: consumerDef,
  consumer_groups: consumerGroupDef,
  consumer_group_consumers: consumerGroupConsumerDef,
  upstreams: upstreamDef,
  targets: targetDef,
  plugins: pluginDef,
  keyauth_credentials: keyauthCredentialDef,
  basicauth_credentials: basicauthCredentialDef,
  jwt_secrets: jwtSecretDef,
  hmacauth_credentials: hmacauthCredentialDef,
  acls: aclDef,
  vaults: vaultDef,
  key_sets: keySetDef,
  keys: keyDef,
};

export const COLLECTIONS = Object.keys(ENTITIES) as CollectionName[];

export type { CollectionName, EntityDef };
