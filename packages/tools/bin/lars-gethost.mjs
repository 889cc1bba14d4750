#!/usr/bin/env node
// lars-gethost: the gethost tool as a package bin (runs the build in dist/).
import { cliMain } from '../dist/cli-main.js';

await cliMain('gethost', process.argv.slice(2));
