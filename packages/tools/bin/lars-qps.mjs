#!/usr/bin/env node
// lars-qps: the qps tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('qps', process.argv.slice(2));
