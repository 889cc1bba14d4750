// `node --conditions=lars-source --import tsx packages/tools/src/route-cli.ts ...`: what `run_lars.sh route` runs.
import { routeAdminMain } from './route-admin.js';

await routeAdminMain(process.argv.slice(2));
