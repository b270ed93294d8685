// The type of the generated structural validator (see scripts/generate-validators.ts).
import type { ValidateFunction } from 'ajv';

export declare const validate: ValidateFunction;
export default validate;
