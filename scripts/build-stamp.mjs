// Last step of `pnpm build`, after `tsc -b`: touches every package's
// dist/.tsbuildinfo, so "no input newer than it" means "built since the last
// change" for every input run_lars.sh checks (check_build). tsc -b already
// rewrites or touches it when a source or tsconfig changed, but not when only
// a package.json or a file tsc does not compile (a .mjs under src/) did.
import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages', import.meta.url));
const now = new Date();
for (const name of readdirSync(packages)) {
  const info = join(packages, name, 'dist', '.tsbuildinfo');
  if (existsSync(info)) utimesSync(info, now, now);
}
