#!/usr/bin/env -S node --max-semi-space-size=32 --min-semi-space-size=32
// The `gateway` command. The sources are TypeScript, run by Node 24's type stripping; `npm install` brings
// Node 24 (the `node` devDependency) and npm scripts put it first on PATH. The flags (the same as `npm start`'s)
// fix V8's young generation at 32 MB: left to itself, V8 shrinks it after the config loads, and under load the
// gateway then promotes more and pays for full collections in its p99 (see README, Development).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`gateway needs Node.js 24 (this is ${process.version}). Run it through npm (npm start, npx gateway), which uses the Node 24 that npm install brought.`);
  process.exit(2);
}
// Node's on-disk compile cache (bytecode, and the type-stripped sources) keeps each run's start to a quarter of a
// second instead of half a second: `gateway validate` runs on every CI push. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
