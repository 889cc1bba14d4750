// @lars/tools: the command-line tools (docs/architecture.md), callable
// in-process with injectable output as well as through cli.ts and the bins.
export { runTool, toolUsage, overviewUsage, TOOLS } from './tools.js';
export { cliMain } from './cli-main.js';
export { ExitCode } from './tool-context.js';
export type { Tool, ToolIO, OutputStream, AgentAddress } from './tool-context.js';
export { UsageError } from './cli-args.js';
export type { QpsSummary } from './qps.js';
export { runRouteAdmin, routeAdminMain } from './route-admin.js';
