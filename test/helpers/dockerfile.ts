/**
 * A Dockerfile read as Docker's parser reads one, for what the deployment tests check: instructions (continuation
 * lines joined, comments and parser directives dropped), the stages, JSON-form arguments, ENV's pairs (quotes
 * and escapes as the shell-like words Docker takes) and HEALTHCHECK's options.
 */
export interface Instruction {
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (/^\s*(#.*)?$/.test(first)) continue;
    const start = i + 1;
    let joined = first;
    // A trailing backslash continues the instruction; comment lines inside it are dropped, as Docker does.
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, '');
      i++;
      if (/^\s*#/.test(lines[i]!)) {
        joined += '\\';
        continue;
      }
      joined += lines[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(joined)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  }
  return out;
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: bad FROM '${ins.args}'`);
      out.push({ from: m[1]!, name: m[2], instructions: [] });
    } else out.at(-1)?.instructions.push(ins);
  }
  return out;
}

/** CMD, ENTRYPOINT, RUN and HEALTHCHECK CMD in exec (JSON) form; the shell form is refused, as these tests want argv. */
export function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return value as string[];
}

/** Shell-like words: double quotes (with backslash escapes), single quotes, backslash escapes outside quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) word += text[i] === '\\' ? text[++i] : text[i];
    } else if (c === "'") {
      word ??= '';
      for (i++; i < text.length && text[i] !== "'"; i++) word += text[i];
    } else if (c === '\\') word = (word ?? '') + (text[++i] ?? '');
    else word = (word ?? '') + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** ENV's `KEY=VALUE ...` pairs (or the legacy `KEY VALUE`), in order. */
export function envPairs(args: string): [string, string][] {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args);
  if (legacy && !args.includes('=')) return [[legacy[1]!, legacy[2]!]];
  return words(args).map((w) => {
    const at = w.indexOf('=');
    if (at < 1) throw new Error(`ENV: expected KEY=VALUE, got '${w}'`);
    return [w.slice(0, at), w.slice(at + 1)];
  });
}

/** HEALTHCHECK's `--name=value` options and the command after CMD. */
export function healthcheck(args: string): { options: Record<string, string>; command: string[] } {
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)$/i.exec(args);
  if (!m) throw new Error(`HEALTHCHECK: expected [OPTIONS] CMD [...], got '${args}'`);
  const options = Object.fromEntries([...m[1]!.matchAll(/--([a-z-]+)=(\S+)/g)].map((o) => [o[1]!, o[2]!]));
  return { options, command: execForm(m[2]!) };
}
