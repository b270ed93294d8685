// Kong: kong/db/schema/entities/certificates.lua, snis.lua, ca_certificates.lua
import { Nullable, Rec, Tags, Type } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

const Pem = (description: string) => Type.String({ minLength: 1, description });

export const certificateFields = Rec({
  ...commonFields,
  cert: Pem('PEM certificate (chain).'),
  key: Pem('PEM private key of `cert`.'),
  cert_alt: Nullable(Pem('Alternative PEM certificate of another key type (e.g. ECDSA beside RSA).')),
  key_alt: Nullable(Pem('PEM private key of `cert_alt`.')),
  tags: Tags(),
});

export const certificateDef: EntityDef = {
  collection: 'certificates',
  singular: 'certificate',
  fields: certificateFields,
  children: { snis: 'snis' },
  secrets: ['key', 'key_alt'],
  referenceable: [['cert'], ['key'], ['cert_alt'], ['key_alt']],
};

export const sniFields = Rec({
  ...commonFields,
  name: Type.String({ minLength: 1, description: 'Server name, may be a wildcard (*.example.com or example.*).' }),
  certificate: ForeignRef('Certificate (id).'),
  tags: Tags(),
});

export const sniDef: EntityDef = {
  collection: 'snis',
  singular: 'sni',
  fields: sniFields,
  endpointKey: 'name',
  unique: ['name'],
  foreign: { certificate: 'certificates' },
  requiredForeign: ['certificate'],
};

export const caCertificateFields = Rec({
  ...commonFields,
  cert: Pem('PEM CA certificate (exactly one).'),
  cert_digest: Nullable(Type.String({ pattern: '^[0-9a-f]{64}$', patternErrorMessage: 'expected the sha256 hex digest of the certificate' })),
  tags: Tags(),
});

export const caCertificateDef: EntityDef = {
  collection: 'ca_certificates',
  singular: 'ca_certificate',
  fields: caCertificateFields,
  unique: ['cert_digest'],
};
