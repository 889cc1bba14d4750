import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { spawnWorker } from '../src/worker-spawn.js';

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

  it('accepts only file: URLs', () => {
    expect(() => spawnWorker(new URL('https://example.com/x.ts'))).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_OPTION }),
    );
  });
});
