/**
 * Records keyed by what a client sent (query arguments, header names, body fields). Their prototype is an empty
 * object with no prototype of its own: `__proto__`, `constructor` and `toString` are keys like any other, never
 * reach Object.prototype, and the record stays a fast-mode object (unlike one from Object.create(null), which V8
 * keeps as a slower dictionary).
 */
function ClientRecord(this: object): void {}
ClientRecord.prototype = Object.create(null);

export function clientRecord<T>(): Record<string, T> {
  return new (ClientRecord as unknown as new () => Record<string, T>)();
}
