#!/usr/bin/env node
// lars-simulator: the simulator tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('simulator', process.argv.slice(2));
