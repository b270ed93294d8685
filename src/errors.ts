/** A problem found in a declarative config, rendered at the edge (CLI, admin API, log). */
export interface ConfigIssue {
  /** File the problem is in (or a label such as `<POST /config>`). */
  readonly file: string;
  /** 1-based line and column of the offending node, 0 when unknown. */
  readonly line: number;
  readonly column: number;
  /** JSON path in the input, e.g. `services[0].routes[1].paths[0]` ('' = the document). */
  readonly path: string;
  /** The entity the problem belongs to, when there is one. */
  readonly entity?: { readonly type: string; readonly name?: string; readonly id?: string };
  readonly message: string;
  /** Warnings do not make a file invalid. */
  readonly severity: 'error' | 'warning';
}

export type PathSegment = string | number;

/** `['services', 0, 'routes', 1]` → `services[0].routes[1]`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  const tag = issue.severity === 'warning' ? ' warning:' : '';
  return `${where}${path}${tag} ${issue.message}`;
}

/**
 * Errors with a stable code: bad usage or input the gateway cannot start with (the CLI exits 2 on them), and later
 * the proxy's and admin API's failures, which carry an HTTP status.
 */
export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 500) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** A config that does not load: its issues, for the caller to print. */
export class ConfigInvalid extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(file: string, issues: readonly ConfigIssue[]) {
    super(`error parsing declarative config file ${file}`);
    this.issues = issues;
  }
}

/**
 * A thrown value's message, whatever was thrown: plugins may throw anything (a string, a record, an object with
 * no prototype whose String() itself throws).
 */
export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return err.message;
    if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
    return String(err);
  } catch {
    return 'a value that cannot be printed was thrown';
  }
}
