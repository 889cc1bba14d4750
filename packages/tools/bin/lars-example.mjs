#!/usr/bin/env node
// lars-example: the example tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('example', process.argv.slice(2));
