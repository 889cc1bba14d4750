#!/usr/bin/env node
// lars-example: the example tool (packages/tools/src/example.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('example', process.argv.slice(2));
