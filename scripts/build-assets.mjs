// First step of `pnpm build`, before `tsc -b`: copies into dist/ the files
// tsc does not emit (the generated protobufjs codec is JavaScript with a
// hand-written declaration file beside it, which dependents compile against;
// the reactor's worker bootstrap, which must run before any loader).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = [
  ['packages/proto/src/generated/lars.js', 'packages/proto/dist/generated/lars.js'],
  ['packages/proto/src/generated/lars.d.ts', 'packages/proto/dist/generated/lars.d.ts'],
  ['packages/reactor/src/worker-bootstrap.mjs', 'packages/reactor/dist/worker-bootstrap.mjs'],
];
for (const [from, to] of ASSETS) {
  mkdirSync(dirname(join(root, to)), { recursive: true });
  copyFileSync(join(root, from), join(root, to));
}
