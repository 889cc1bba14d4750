// Builds the addon from source at install (package.json `install`, and
// `build:native`): node-gyp against the headers of the node running this
// script, <prefix>/include/node, passed as --nodedir so that node-gyp never
// downloads any. Without a C toolchain or those headers it says so and
// leaves no addon (the package then reports LARS_NATIVE_UNAVAILABLE and the
// agent's transport = auto uses node:dgram); a compile error fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const nodedir = dirname(dirname(process.execPath));
const skip = (why) => {
  process.stderr.write(`@lars/udp-native: not built (${why}); the agent will use node:dgram\n`);
  process.exit(0);
};

if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) skip(`no Node headers in ${nodedir}/include/node`);
for (const tool of ['cc', 'make', 'python3']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) skip(`${tool} is missing`);
}
// The pinned devDependency in the workspace; installed from a tarball (no
// devDependencies), the package manager's own node-gyp.
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch (err) {
  gyp = process.env.npm_config_node_gyp;
  if (gyp === undefined || !existsSync(gyp)) skip(`node-gyp is not installed: ${err.message}`);
}
const run = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { stdio: 'inherit' });
process.exit(run.status ?? 1);
