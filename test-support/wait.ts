/**
 * Polls `cond` until it holds. Tests wait for behaviour this way, never for a
 * fixed time; `timeoutMs` only bounds a test whose condition never comes.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what = 'a condition',
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}
