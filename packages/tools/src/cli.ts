// `node --conditions=lars-source --import tsx packages/tools/src/cli.ts <tool> args...`: the entry
// run_lars.sh's `test` command uses.
import { cliMain } from './cli-main.js';

await cliMain(process.argv[2] ?? '', process.argv.slice(3));
