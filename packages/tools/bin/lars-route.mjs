#!/usr/bin/env node
// lars-route: route administration (packages/tools/src/route-admin.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { routeAdminMain } = await import('../src/route-admin.ts');
await routeAdminMain(process.argv.slice(2));
