// The tool registry and the one dispatcher behind the CLI, the package bins
// and in-process callers: parse, --help, run, and map failures to exit codes.
import { ErrorCode, LarsError } from '@lars/wire';
import { formatUsage, parseArgv, type ArgSpec } from './cli-args.js';
import { exampleTool } from './example.js';
import { gethostTool } from './gethost.js';
import { getrouteTool } from './getroute.js';
import { qpsTool } from './qps.js';
import { reportTool } from './report.js';
import { simulatorTool } from './simulator.js';
import { AGENT_FLAGS, ExitCode, type Tool, type ToolIO } from './tool-context.js';

/** Every tool by name, in the order the overview lists them. */
export const TOOLS: ReadonlyMap<string, Tool> = new Map(
  [gethostTool, getrouteTool, reportTool, exampleTool, simulatorTool, qpsTool].map((t) => [t.name, t]),
);

const HELP_NAMES = new Set(['help', '-h', '--help']);

/** Arguments and options of a tool, the shared agent options included. */
function fullSpec(tool: Tool): ArgSpec {
  return { positionals: tool.args.positionals, flags: [...tool.args.flags, ...AGENT_FLAGS] };
}

/** The usage text of one tool (what `<tool> --help` prints). */
export function toolUsage(tool: Tool): string {
  return formatUsage(tool.name, tool.summary, fullSpec(tool), tool.notes);
}

/** The list of tools (what `help` prints). */
export function overviewUsage(): string {
  const lines = ['usage: TOOL [options] ARGS...   (TOOL --help for its arguments)', '', 'tools:'];
  for (const tool of TOOLS.values()) {
    const synopsis = tool.args.positionals.map((p) => (p.optional === true ? `[${p.name}]` : p.name)).join(' ');
    lines.push(`  ${tool.name} ${synopsis}`);
  }
  return `${lines.join('\n')}\n`;
}

function isUsageError(error: unknown): error is LarsError {
  return error instanceof LarsError && error.code === ErrorCode.BAD_OPTION;
}

/**
 * Runs tool `name` with `argv` (its arguments, without the tool name) and
 * resolves its exit code: 0 success, 1 the tool ran but got no good answer
 * (or failed), 2 usage error (message on stderr naming the argument).
 * Never rejects.
 */
export async function runTool(name: string, argv: readonly string[], io: ToolIO): Promise<ExitCode> {
  if (HELP_NAMES.has(name)) {
    io.stdout.write(overviewUsage());
    return ExitCode.OK;
  }
  const tool = TOOLS.get(name);
  if (tool === undefined) {
    io.stderr.write(
      `${name === '' ? 'missing tool name' : `unknown tool ${JSON.stringify(name)}`}\n${overviewUsage()}`,
    );
    return ExitCode.USAGE;
  }
  try {
    const args = parseArgv(argv, fullSpec(tool));
    if (args.help) {
      io.stdout.write(toolUsage(tool));
      return ExitCode.OK;
    }
    return await tool.run(args, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.stderr.write(`${tool.name}: ${error.message}\nrun "${tool.name} --help" for its arguments\n`);
      return ExitCode.USAGE;
    }
    io.stderr.write(`${tool.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.FAILED;
  }
}
