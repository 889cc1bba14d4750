#!/usr/bin/env node
// lars-getroute: the getroute tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('getroute', process.argv.slice(2));
