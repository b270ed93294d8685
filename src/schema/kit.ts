/**
 * Building blocks for entity and plugin schema modules. A schema module is the single source of a JSON Schema
 * (for ajv and for editors) and of the TypeScript type of what it describes (TypeBox `Static`).
 *
 * Conventions, so that generated schemas read like Kong's:
 * - A field with a Kong default carries `default` and is NOT wrapped in `Optional`: the validated value always
 *   has it, so its static type is not optional. `inputSchema()` drops such fields from `required` and lets them be
 *   `null` (Kong's exported files spell unset values as `null`; we read `null` as "use the default").
 * - A field Kong leaves unset by default is `Nullable(...)`: optional, and `null` is accepted.
 * - `patternErrorMessage` (understood by the YAML/JSON language servers too) replaces ajv's "must match pattern".
 */
import Type, { type TSchema, type TOptional, type TUnion, type TNull, } from 'typebox';

export { Type };
export type { Static, TSchema, TObject } from 'typebox';

/** Optional field whose unset value is `null`, as Kong writes it in exported configs. */
export function Nullable<T extends TSchema>(schema: T): TOptional<TUnion<[T, TNull]>> {
  return Type.Optional(Type.Union([schema, Type.Null()]));
}

/** A Kong `set`: an array whose elements are unique. */
export function KongSet<T extends TSchema>(items: T, options: Record<string, unknown> = {}) {
  // Kong's sets accept repeated values (it drops the repeats); so does this.
  return Type.Array(items, options);
}

export const Port = (options: Record<string, unknown> = {}) => Type.Integer({ minimum: 0, maximum: 65535, ...options });

/** Kong's `timeout` typedef: milliseconds, 0 < t < 2^31-1. */
export const Timeout = (options: Record<string, unknown> = {}) =>
  Type.Integer({ minimum: 0, maximum: 2147483646, ...options });

export const PositiveInteger = (options: Record<string, unknown> = {}) => Type.Integer({ minimum: 1, ...options });

/** Kong's header-name rule (its typedefs.header_name), and its message. */
export const HEADER_NAME_PATTERN = '^[A-Za-z0-9_-]+$';
export const HEADER_NAME_MESSAGE = "bad header name, allowed characters are A-Z, a-z, 0-9, '_', and '-'";

/** Header names, as Kong's schemas take them. */
export const HeaderName = (options: Record<string, unknown> = {}) =>
  Type.String({ pattern: HEADER_NAME_PATTERN, patternErrorMessage: HEADER_NAME_MESSAGE, ...options });

/** Hostname or IP address without a port. */
export const HostName = (options: Record<string, unknown> = {}) =>
  Type.String({
    minLength: 1,
    pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+|[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\\.?)$',
    patternErrorMessage: 'invalid hostname: must be a hostname or an IP address, without a port',
    ...options,
  });

export const IpOrCidr = (options: Record<string, unknown> = {}) =>
  Type.String({
    pattern: '^([0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?)$',
    patternErrorMessage: 'invalid ip or cidr range',
    ...options,
  });

export const Uuid = (options: Record<string, unknown> = {}) =>
  Type.String({
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    patternErrorMessage: 'expected a valid UUID',
    ...options,
  });

/** Kong's `tags`: a set of strings, each printable ASCII except `,` and `/`, or UTF-8. */
export const Tags = () =>
  Nullable(
    KongSet(
      Type.String({
        minLength: 1,
        pattern: '^[^,/\\x00-\\x1f\\x7f]+$',
        patternErrorMessage: "invalid tag: expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
      }),
    ),
  );

/** Kong's `utf8_name` (service, route, upstream... names). */
export const Utf8Name = (options: Record<string, unknown> = {}) =>
  Type.String({
    minLength: 1,
    pattern: '^[A-Za-z0-9._~\\-\\u0080-\\uFFFF]+$',
    patternErrorMessage: 'the only accepted ascii characters are alphanumerics or ., -, _, and ~',
    ...options,
  });

/** A Kong record: a closed object (unknown fields are errors, as in Kong). */
export function Rec<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: Record<string, unknown> = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export type { TOptional, TUnion, TNull };
