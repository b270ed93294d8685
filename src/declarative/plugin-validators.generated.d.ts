// The type of the generated bundled-plugin validators (see scripts/generate-validators.ts): one export per plugin,
// named as pluginExportName() names it.
import type { ValidateFunction } from 'ajv';

declare const validators: Record<string, ValidateFunction>;
export = validators;
