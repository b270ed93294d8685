/** `kong.node`: this process's node id (Kong's node_id, stable for its life) and the host's name. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KongNode } from './kong.ts';

export const NODE_ID = randomUUID();
const HOSTNAME = hostname();

export const NODE: KongNode = Object.freeze({ getId: () => NODE_ID, getHostname: () => HOSTNAME });
