// Packing the workspace and installing the tarballs into projects outside
// the repository, as a user would (scripts/pack.mjs makes the tarballs).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './repo-paths.js';

const run = promisify(execFile);

/** Tarball path by package name (`@lars/client` -> .../lars-client-0.2.0.tgz). */
export type Tarballs = ReadonlyMap<string, string>;

/** Packs every package's build into `dest` with `pnpm pack:all`'s script. */
export async function packWorkspace(dest: string): Promise<Tarballs> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'scripts/pack.mjs'), dest], { cwd: REPO_ROOT });
  const files = stdout.trim().split('\n');
  // Named by the file's own name: the directory may hold `lars-` and a digit too (mkdtemp's `lars-install-4pH4wy`).
  return new Map(files.map((f) => [`@lars/${/^lars-([a-z-]+)-\d/.exec(basename(f))![1]}`, f]));
}

/** The tarball of `name`; a name packWorkspace did not pack is an error, never an `undefined` npm would look up. */
function tarballOf(tarballs: Tarballs, name: string): string {
  const file = tarballs.get(name);
  if (file === undefined) throw new Error(`no tarball of ${name} among ${[...tarballs.keys()].join(', ')}`);
  return file;
}

/**
 * npm settings for a consumer project: the `@lars` scope points at a closed
 * port with no retries, so an `@lars/*` package that npm would fetch from a
 * registry fails the install at once instead of coming from somewhere else.
 */
export const NO_LARS_REGISTRY = '@lars:registry=http://127.0.0.1:9/\nfetch-retries=0\n';

/**
 * `npm install` of `direct` (package names) into the empty project `dir`;
 * every other `@lars/*` package npm needs is pinned to its tarball through
 * `overrides`, as a user installing from tarballs writes it.
 */
export async function installIntoProject(dir: string, tarballs: Tarballs, direct: readonly string[]): Promise<void> {
  const file = (name: string) => `file:${tarballOf(tarballs, name)}`;
  const pkg = {
    name: 'lars-consumer',
    private: true,
    dependencies: Object.fromEntries(direct.map((n) => [n, file(n)])),
    overrides: Object.fromEntries([...tarballs.keys()].filter((n) => !direct.includes(n)).map((n) => [n, file(n)])),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, '.npmrc'), NO_LARS_REGISTRY);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir });
}

/** `npm install -g --prefix prefix` of the named tarballs in one command. */
export async function installGlobally(prefix: string, tarballs: Tarballs, names: readonly string[]): Promise<void> {
  const userconfig = join(prefix, '.npmrc');
  writeFileSync(userconfig, NO_LARS_REGISTRY);
  const files = names.map((n) => tarballOf(tarballs, n));
  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--userconfig',
      userconfig,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...files,
    ],
    { cwd: prefix },
  );
}

/** Every package installed under `nodeModules` (scoped ones as `@scope/name`), nested ones included. */
export function installedPackages(nodeModules: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((e) => join(entry, e)) : [entry];
      for (const name of dirs) {
        const at = join(dir, name);
        if (!existsSync(join(at, 'package.json'))) continue;
        found.add(JSON.parse(readFileSync(join(at, 'package.json'), 'utf8')).name as string);
        walk(join(at, 'node_modules'));
      }
    }
  };
  walk(nodeModules);
  return found;
}

/** Bytes of every file under `dir`. */
export function treeBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}
