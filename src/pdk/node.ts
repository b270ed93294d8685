/** `kong.node`: this process's node id (Kong's node_id, stable for its life) and the host's name. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isMainThread, workerData } from 'node:worker_threads';
import type { KongNode } from './kong.ts';

/** One id for the node: a worker thread takes its primary's (workerData.nodeId), as Kong's workers share theirs. */
export const NODE_ID: string = (!isMainThread && typeof (workerData as { nodeId?: unknown } | null)?.nodeId === 'string' ? (workerData as { nodeId: string }).nodeId : randomUUID());
const HOSTNAME = hostname();

export const NODE: KongNode = Object.freeze({ getId: () => NODE_ID, getHostname: () => HOSTNAME });
