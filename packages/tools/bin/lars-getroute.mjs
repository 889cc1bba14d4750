#!/usr/bin/env node
// lars-getroute: the getroute tool (packages/tools/src/getroute.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('getroute', process.argv.slice(2));
