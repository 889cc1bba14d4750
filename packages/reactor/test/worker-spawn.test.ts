import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { spawnWorker } from '../src/worker-spawn.js';
import { workerLogger } from '../src/worker-logger.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';

describe('spawnWorker', () => {
  for (const ext of ['ts', 'mjs']) {
    it(`runs a .${ext} entry that sees its own workerData unchanged`, async () => {
      const data = { a: 1, nested: { list: [1, 2] }, buffer: new SharedArrayBuffer(8) };
      new Int32Array(data.buffer)[0] = 77;
      const worker = spawnWorker(new URL(`./fixtures/spawn-echo-data.${ext}`, import.meta.url), { workerData: data });
      const [message] = (await once(worker, 'message')) as [{ esm: typeof data; cjs: typeof data }];
      expect(message.esm).toEqual(data);
      expect(message.cjs).toEqual(data);
      expect(new Int32Array(message.esm.buffer)[0]).toBe(77);
      const [code] = await once(worker, 'exit');
      expect(code).toBe(0);
    });
  }

  it('reports a failing entry as a worker error', async () => {
    const worker = spawnWorker(new URL('./fixtures/does-not-exist.ts', import.meta.url));
    const [err] = (await once(worker, 'error').catch((e: unknown) => [e])) as [Error];
    expect(String(err)).toMatch(/does-not-exist/);
  });

  it("gives the worker a logger writing through the parent's destination; its last line is written before 'exit'", async () => {
    const logs = captureLogs();
    const worker = spawnWorker(new URL('./fixtures/spawn-log.mjs', import.meta.url), {
      workerData: { n: 5 },
      logger: logs.logger.child({ component: 'parent-part' }),
      logBindings: { component: 'loader' },
    });
    const [code] = await once(worker, 'exit');
    expect(code).toBe(0);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({
      level: LEVEL.warn,
      name: 'lars-test',
      component: 'loader',
      n: 5,
      msg: 'spawned worker logs',
      mysql: { user: 'lars', password: '[Redacted]' },
    });

    // Without a logger the worker's logger is silent, and the entry runs as before.
    const quiet = spawnWorker(new URL('./fixtures/spawn-log.mjs', import.meta.url), { workerData: { n: 6 } });
    expect((await once(quiet, 'exit'))[0]).toBe(0);
  });

  it('workerLogger() outside a spawned worker is a clear error', () => {
    expect(() => workerLogger()).toThrow(expect.objectContaining({ code: ErrorCode.BAD_OPTION }));
    expect(() => workerLogger()).toThrow(/not started by spawnWorker/);
  });

  it('accepts only file: URLs', () => {
    expect(() => spawnWorker(new URL('https://example.com/x.ts'))).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION }),
    );
  });
});
