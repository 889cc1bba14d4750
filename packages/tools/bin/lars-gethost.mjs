#!/usr/bin/env node
// lars-gethost: the gethost tool (packages/tools/src/gethost.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('gethost', process.argv.slice(2));
