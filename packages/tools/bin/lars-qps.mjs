#!/usr/bin/env node
// lars-qps: the qps tool (packages/tools/src/qps.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('qps', process.argv.slice(2));
