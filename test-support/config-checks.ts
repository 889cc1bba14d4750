// What the config tests check again and again: a read that must fail as
// LARS_BAD_CONFIG, and a daemon process that must refuse its config at start.
import { ErrorCode, LarsError } from '@lars/wire';
import { expect } from 'vitest';
import type { DaemonProcess } from './daemon-process.js';

/** The error `f` throws, asserted to be a LarsError LARS_BAD_CONFIG; fails the test when `f` returns. */
export function badConfigError(f: () => unknown): LarsError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LarsError);
    expect((err as LarsError).code).toBe(ErrorCode.BAD_CONFIG);
    return err as LarsError;
  }
  throw new Error('expected an error');
}

/** The exit code, or 'serving' when the daemon came up instead (the old behaviour: the mistake ignored). */
export async function exitOrServe(daemon: DaemonProcess): Promise<number | null | 'serving'> {
  const served = await daemon.waitForOutput('stats endpoint listening').then(
    () => true,
    () => false,
  );
  return served ? 'serving' : daemon.exited();
}
