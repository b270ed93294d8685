#!/usr/bin/env node
// The `gateway` command. The sources are TypeScript, run by Node 24's type stripping; `npm install` brings
// Node 24 (the `node` devDependency) and npm scripts put it first on PATH.
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
