#!/usr/bin/env node
// lars-report: the report tool (packages/tools/src/report.ts) as a package bin.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli-main.ts');
await cliMain('report', process.argv.slice(2));
