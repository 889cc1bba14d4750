#!/usr/bin/env node
// lars-route: route administration as a package bin (runs the build in dist/).
import { routeAdminMain } from '../dist/route-admin.js';

await routeAdminMain(process.argv.slice(2));
