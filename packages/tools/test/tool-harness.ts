// Runs tools in-process with captured output, and through the real process
// (`node --conditions=lars-source --import tsx packages/tools/src/cli.ts ...`) to check exit codes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTool } from '../src/index.js';
import type { OutputStream, ToolIO } from '../src/index.js';
import { SOURCE_NODE_ARGS } from '../../../test-support/source-node.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = 'packages/tools/src/cli.ts';

/** Collects what a tool writes. */
export class Capture implements OutputStream {
  text = '';

  constructor(readonly isTTY = false) {}

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }

  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

export interface ToolRun {
  code: number;
  out: string;
  err: string;
  /** Non-empty stdout lines. */
  lines: string[];
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  tty?: boolean;
}

/** runTool with captured stdout/stderr. */
export async function runCaptured(name: string, argv: readonly string[], options: RunOptions = {}): Promise<ToolRun> {
  const stdout = new Capture(options.tty === true);
  const stderr = new Capture();
  const io: ToolIO = { stdout, stderr, env: options.env, signal: options.signal };
  const code = await runTool(name, argv, io);
  return { code, out: stdout.text, err: stderr.text, lines: stdout.lines };
}

/** The tool as a child process; `env` is added to (or, with undefined values, removed from) the test's environment. */
export function runProcess(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  command = CLI,
): Promise<ToolRun> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    LARS_AGENT_IP: undefined,
    LARS_AGENT_BASE_PORT: undefined,
    ...env,
  };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const args = command.endsWith('.mjs') ? [command, ...argv] : [...SOURCE_NODE_ARGS, command, ...argv];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      const code = error === null ? 0 : (error.code as number);
      resolve({ code, out: stdout, err: stderr, lines: stdout.split('\n').filter((l) => l !== '') });
    });
  });
}
