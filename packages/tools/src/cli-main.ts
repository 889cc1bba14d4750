// Runs a tool as a process: real stdout/stderr/env, SIGINT stopping the
// tools that print a summary when stopped, and the exit code as the
// process's. Shared by cli.ts and the package bins.
import { runTool, TOOLS } from './tools.js';

/** Runs `name` with `argv` and sets process.exitCode; the process then ends on its own. */
export async function cliMain(name: string, argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  // Only a tool that stops cleanly on the signal takes SIGINT over; any
  // other keeps the default, so Ctrl-C still ends it at once. A second
  // Ctrl-C after the first finds the default handler again.
  const stoppable = TOOLS.get(name)?.stopsOnSignal === true;
  const onSigint = (): void => controller.abort();
  if (stoppable) process.once('SIGINT', onSigint);
  try {
    process.exitCode = await runTool(name, argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: controller.signal,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
