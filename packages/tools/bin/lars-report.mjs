#!/usr/bin/env node
// lars-report: the report tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('report', process.argv.slice(2));
