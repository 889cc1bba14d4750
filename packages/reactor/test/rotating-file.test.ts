// RotatingFile and the logger's LARS_LOG_FILE: bytes written -> exactly which
// files hold how many bytes. No clock is involved: rotation is by size only.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { RotatingFile } from '../src/rotating-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lars-rotate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file in the directory with its size, sorted by name. */
function sizes(): Record<string, number> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, statSync(join(dir, f)).size]),
  );
}

const line = (i: number, bytes = 10): string => `${String(i).padStart(bytes - 1, '0')}\n`;

describe('RotatingFile', () => {
  it('rotates before a write would pass the cap and keeps exactly `keep` old files', async () => {
    const path = join(dir, 'd.log');
    const f = new RotatingFile({ path, maxBytes: 25, keep: 2 });
    // Ten 10-byte lines, two per file (a third would make 30 > 25): lines 0-1, 2-3, ..., 8-9.
    for (let i = 0; i < 10; i++) f.write(line(i));
    await f.close();
    expect(sizes()).toEqual({ 'd.log': 20, 'd.log.1': 20, 'd.log.2': 20 });
    expect(readFileSync(path, 'utf8')).toBe(line(8) + line(9));
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(line(6) + line(7));
    expect(readFileSync(`${path}.2`, 'utf8')).toBe(line(4) + line(5));
  });

  it('fills a file up to the cap exactly, and counts bytes, not characters', async () => {
    const path = join(dir, 'd.log');
    const f = new RotatingFile({ path, maxBytes: 20, keep: 1 });
    f.write(line(1));
    f.write(line(2)); // 20 bytes: at the cap, still fits
    f.write('é\n'); // 3 bytes in UTF-8: rotates
    await f.close();
    expect(sizes()).toEqual({ 'd.log': 3, 'd.log.1': 20 });
  });

  it('writes a line larger than the cap whole into a fresh file', async () => {
    const path = join(dir, 'd.log');
    const f = new RotatingFile({ path, maxBytes: 10, keep: 3 });
    f.write(line(1, 4));
    f.write(line(2, 25));
    f.write(line(3, 4));
    await f.close();
    expect(sizes()).toEqual({ 'd.log': 4, 'd.log.1': 25, 'd.log.2': 4 });
  });

  it('appends to an existing file and counts what it already holds', async () => {
    const path = join(dir, 'd.log');
    writeFileSync(path, 'x'.repeat(15));
    const f = new RotatingFile({ path, maxBytes: 20, keep: 1 });
    expect(f.size).toBe(15);
    f.write(line(1)); // 25 > 20: the old content moves to .1 first
    await f.close();
    expect(sizes()).toEqual({ 'd.log': 10, 'd.log.1': 15 });
  });

  it('with keep = 0 empties the file instead of keeping old ones', async () => {
    const path = join(dir, 'd.log');
    const f = new RotatingFile({ path, maxBytes: 15, keep: 0 });
    for (let i = 0; i < 3; i++) f.write(line(i));
    await f.close();
    expect(sizes()).toEqual({ 'd.log': 10 });
    expect(readFileSync(path, 'utf8')).toBe(line(2));
  });

  it('rejects a bad cap or keep, naming it, and refuses writes after close', async () => {
    const path = join(dir, 'd.log');
    expect(() => new RotatingFile({ path, maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => new RotatingFile({ path, keep: -1 })).toThrow(/keep/);
    const f = new RotatingFile({ path });
    await f.close();
    await f.close();
    expect(() => f.write('x\n')).toThrow(expect.objectContaining({ code: 'LARS_CLOSED' }));
  });

  it('counts and reports once a write it cannot make, without throwing', async () => {
    const path = join(dir, 'sub', 'd.log');
    const errors: string[] = [];
    mkdirSync(join(dir, 'sub'));
    const f = new RotatingFile({ path, maxBytes: 10, keep: 1, onError: (e) => errors.push(e.message) });
    f.write(line(1));
    rmSync(join(dir, 'sub'), { recursive: true }); // the rotation's rename now fails
    f.write(line(2));
    f.write(line(3));
    expect(f.dropped).toBe(2);
    expect(errors).toHaveLength(1);
    await f.close();
  });
});

describe('createLogger with LARS_LOG_FILE', () => {
  it('writes JSON lines into the rotated file, not stdout', () => {
    const path = join(dir, 'daemon.log');
    const env = { LARS_LOG_FILE: path, LARS_LOG_MAX_BYTES: '300', LARS_LOG_KEEP: '2' };
    const logger = createLogger({ name: 'lars-test', env });
    for (let i = 0; i < 20; i++) logger.info({ i }, 'a line of about a hundred bytes');
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['daemon.log', 'daemon.log.1', 'daemon.log.2']);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(300);
    const last = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number });
    expect(last.at(-1)?.i).toBe(19);
    expect(existsSync(join(dir, 'daemon.log.3'))).toBe(false);
  });

  it('names a bad LARS_LOG_MAX_BYTES or LARS_LOG_KEEP', () => {
    const path = join(dir, 'daemon.log');
    expect(() => createLogger({ env: { LARS_LOG_FILE: path, LARS_LOG_MAX_BYTES: '10MB' } })).toThrow(
      /LARS_LOG_MAX_BYTES must be an integer >= 1, got "10MB"/,
    );
    expect(() => createLogger({ env: { LARS_LOG_FILE: path, LARS_LOG_KEEP: '-1' } })).toThrow(/LARS_LOG_KEEP/);
  });
});
