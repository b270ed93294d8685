/**
 * multipart/form-data bodies as Kong's lua-multipart reads and writes them for request-transformer: parts by
 * name (the first with a name is the one `get` sees), `setSimple` replacing the first part of that name in place
 * or adding one at the end, `delete` dropping every part of that name, and the body written again with the
 * client's boundary. Bytes are kept as latin1 strings, so binary parts go back unchanged. Linear in the body.
 */

export interface Part {
  readonly name: string | undefined;
  readonly headers: readonly string[];
  readonly value: string;
}

/** The boundary parameter of a Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]*)"|'([^']*)'|([^\s;]+))/i.exec(contentType);
  const b = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  return b ? b : undefined;
}

function partName(headers: readonly string[]): string | undefined {
  for (const line of headers) {
    if (!/^content-disposition\s*:/i.test(line)) continue;
    const m = /;\s*name\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(line);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/** A body's parts (`body` as latin1); what precedes the first boundary and follows the last is dropped. */
export function parseMultipart(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const parts: Part[] = [];
  const find = (from: number): number => {
    for (let at = body.indexOf(delimiter, from); at >= 0; at = body.indexOf(delimiter, at + 1)) {
      if (at === 0 || body[at - 1] === '\n') return at;
    }
    return -1;
  };
  let at = find(0);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.startsWith('--', start)) break;
    const eol = body.indexOf('\n', start);
    if (eol < 0) break;
    start = eol + 1;
    const next = find(start);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === '\n') end--;
    if (body[end - 1] === '\r') end--;
    const chunk = body.slice(start, Math.max(start, end));
    const crlf = chunk.indexOf('\r\n\r\n');
    const lf = chunk.indexOf('\n\n');
    const split = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, skip: 4 } : lf >= 0 ? { at: lf, skip: 2 } : { at: chunk.length, skip: 0 };
    const headers = chunk.slice(0, split.at).split(/\r?\n/).filter((l) => l !== '');
    parts.push({ name: partName(headers), headers, value: chunk.slice(split.at + split.skip) });
    at = next;
  }
  return parts;
}

export class MultipartBody {
  readonly parts: Part[];
  constructor(parts: Part[]) {
    this.parts = parts;
  }

  get(name: string): Part | undefined {
    return this.parts.find((p) => p.name === name);
  }

  setSimple(name: string, value: string): void {
    const part: Part = { name, headers: [`Content-Disposition: form-data; name="${name}"`], value };
    const i = this.parts.findIndex((p) => p.name === name);
    if (i >= 0) this.parts[i] = part;
    else this.parts.push(part);
  }

  delete(name: string): void {
    for (let i = this.parts.length - 1; i >= 0; i--) if (this.parts[i]!.name === name) this.parts.splice(i, 1);
  }

  /** The body again (latin1), or '' without parts (as lua-multipart writes it). */
  encode(boundary: string): string {
    if (this.parts.length === 0) return '';
    let out = '';
    for (const p of this.parts) out += `--${boundary}\r\n${p.headers.map((h) => `${h}\r\n`).join('')}\r\n${p.value}\r\n`;
    return `${out}--${boundary}--\r\n`;
  }
}
