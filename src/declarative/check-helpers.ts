/** Small helpers the entity checks share: reading loosely typed values, and the reporter they report with. */
import type { PathSegment } from '../errors.ts';

export type Report = (field: readonly PathSegment[], message: string, options?: { atKey?: boolean; warning?: boolean }) => void;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const isSet = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
export const quoteList = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');
