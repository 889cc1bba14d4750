#!/usr/bin/env node
// `pnpm pack:all [DIR]`: packs every package's build (run `pnpm build` first)
// into DIR (default var/pack) as lars-<name>-<version>.tgz, with pnpm, which
// turns `workspace:*` into the version. Prints one tarball path per line.
// These tarballs are how Lars is installed outside the repository: the
// @lars scope on the public registry is not ours, so nothing of it may come
// from there.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = resolve(process.argv[2] ?? join(root, 'var', 'pack'));
mkdirSync(dest, { recursive: true });

const packed = readdirSync(join(root, 'packages'))
  .sort()
  .map(async (dir) => {
    const pkgDir = join(root, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (!existsSync(join(pkgDir, 'dist', 'index.js'))) {
      throw new Error(`${pkg.name} has no build (packages/${dir}/dist); run pnpm build first`);
    }
    await promisify(execFile)('pnpm', ['pack', '--pack-destination', dest], { cwd: pkgDir });
    const file = join(dest, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(file)) throw new Error(`pnpm pack did not write ${file}`);
    return file;
  });
try {
  for (const file of await Promise.all(packed)) process.stdout.write(`${file}\n`);
} catch (err) {
  process.stderr.write(`pack: ${err.message}\n`);
  process.exit(1);
}
