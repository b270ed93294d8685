/**
 * Kong's Lua-valued fields (`custom_fields_by_lua`): this gateway runs no Lua, and a log record without the
 * fields the config asks for would be silently different, so a config that sets any is refused at validation,
 * at the field's entry (the error's `path` is where the validator reports it).
 */

export class LuaCodeRefused extends Error {
  override readonly name = 'LuaCodeRefused';
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

/** Throws (for `prepare`) when `custom_fields_by_lua` has an entry; an empty table does nothing in Kong either. */
export function refuseLuaFields(config: { readonly custom_fields_by_lua?: Readonly<Record<string, string>> | null }): void {
  const fields = config.custom_fields_by_lua;
  if (!fields) return;
  const first = Object.keys(fields)[0];
  if (first === undefined) return;
  throw new LuaCodeRefused(
    ['custom_fields_by_lua', first],
    'Lua code is not run by this gateway: custom_fields_by_lua cannot be honoured; remove it (or set the field in the upstream or a custom plugin)',
  );
}
