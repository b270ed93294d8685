/**
 * What the primary thread and its workers say to each other (worker_threads messages, structured clones), and how
 * a config travels: in parts the worker pulls one at a time. A 10,000-route config is a 9 MB clone that takes
 * 40-100 ms to deserialize in one message; in parts of a thousand entities each arrives in a few milliseconds,
 * between which the worker's loop serves requests.
 */
import type { Config } from '../declarative/config.ts';
import type { ConfigIssue } from '../errors.ts';
import type { ListenAddress, Settings } from '../settings/settings.ts';

/** The state the workers share (SharedArrayBuffers and numbers), created by the primary, attached by each worker. */
export type SharedHandles = Readonly<Record<string, unknown>>;

/** A worker's `workerData`. */
export interface WorkerBoot {
  /** 1-based, stable across restarts of the same slot. */
  readonly worker: number;
  /** The node's id (pdk/node.ts reads it): the same in every worker, as in Kong. */
  readonly nodeId: string;
  readonly settings: Settings;
  /** The proxy listeners with their ports resolved (the first worker resolves port 0; the others join it). */
  readonly listen: readonly ListenAddress[];
  readonly config: Config;
  readonly hash: string;
  readonly shared: SharedHandles;
}

export interface WorkerStatus {
  readonly worker: number;
  /** The hash of the config it serves (undefined before it first serves). */
  readonly configuration_hash: string | undefined;
  readonly ready: boolean;
}

/** One worker's part in a reload. */
export interface WorkerTook {
  readonly worker: number;
  readonly took: boolean;
  /** What its compile took in all, and the longest it held the worker's event loop at once. */
  readonly compile_ms?: number;
  readonly longest_step_ms?: number;
}

export interface ConfigPart {
  readonly key: keyof Config;
  /** A slice of that collection, or its whole value for the scalar fields. */
  readonly value: unknown;
}

export interface WorkerCounts {
  readonly active: number;
  readonly accepted: number;
  readonly requests: number;
  readonly inFlight: number;
}

export type ToWorker =
  /** A new config is ready in `parts` parts: pull them, then compile, configure and swap. */
  | { readonly type: 'config'; readonly seq: number; readonly hash: string; readonly parts: number }
  | { readonly type: 'part'; readonly seq: number; readonly index: number; readonly part: ConfigPart }
  | { readonly type: 'ask'; readonly seq: number; readonly what: 'metrics' | 'counts' }
  /** An active health check flipped a target (the primary runs the probes). */
  | { readonly type: 'health'; readonly upstream: string; readonly target: string; readonly healthy: boolean }
  | { readonly type: 'stop'; readonly drainMs: number };

export type FromWorker =
  | { readonly type: 'ready'; readonly ports: readonly number[]; readonly hash: string }
  | { readonly type: 'pull'; readonly seq: number; readonly index: number }
  /** Its compile's work in all, and the longest it held the worker's loop at once (a slice, or configure + swap). */
  | { readonly type: 'applied'; readonly seq: number; readonly hash: string; readonly compileMs: number; readonly longestStepMs: number }
  | { readonly type: 'refused'; readonly seq: number; readonly issues: readonly ConfigIssue[] }
  | { readonly type: 'answer'; readonly seq: number; readonly value: string | WorkerCounts }
  /** Passive health checks in this worker flipped a target: the primary tells the others. */
  | { readonly type: 'health'; readonly upstream: string; readonly target: string; readonly healthy: boolean }
  /** A log line of the worker's, written by the primary to its own log stream (one stream for the node). */
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'stopped' };

const PART_SIZE = 1000;

/** A config as parts of at most PART_SIZE entities (the scalar fields as one part each). */
export function splitConfig(config: Config, size = PART_SIZE): ConfigPart[] {
  const parts: ConfigPart[] = [];
  for (const key of Object.keys(config) as (keyof Config)[]) {
    const value = config[key];
    if (!Array.isArray(value)) {
      parts.push({ key, value });
      continue;
    }
    if (value.length === 0) parts.push({ key, value: [] });
    for (let i = 0; i < value.length; i += size) parts.push({ key, value: value.slice(i, i + size) });
  }
  return parts;
}

/** The config back from its parts, in their order. */
export function joinConfig(parts: readonly ConfigPart[]): Config {
  const out: Record<string, unknown> = {};
  for (const { key, value } of parts) {
    if (!Array.isArray(value)) out[key] = value;
    else out[key] = key in out ? (out[key] as unknown[]).concat(value) : value.slice();
  }
  return out as unknown as Config;
}
