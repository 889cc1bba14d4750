#!/usr/bin/env node
// lars-simulator: the simulator tool (packages/tools/src/simulator.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('simulator', process.argv.slice(2));
