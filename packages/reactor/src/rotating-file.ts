// A size-capped log file with numbered rotations, written synchronously (as
// pino writes stdout): `<path>` is the live file, `<path>.1` the newest full
// one, `<path>.<keep>` the oldest kept. No timers and no background work, so
// what is on disk after a write() is exactly determined by the bytes written.
import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { checkOption, ErrorCode, LarsError } from '@lars/wire';

export interface RotatingFileOptions {
  /** The live file; created (not its directory) when missing, appended to when present. */
  path: string;
  /**
   * The cap: a write that would take a non-empty live file past this many
   * bytes rotates first. A single write larger than the cap goes whole into a
   * fresh file (lines are never split), so only such a file exceeds it.
   */
  maxBytes?: number;
  /** Rotated files kept (`.1` .. `.keep`); 0 keeps none: the live file is emptied instead. */
  keep?: number;
  /** Where a failing write is reported (once until a write succeeds again); stderr by default. */
  onError?: (err: Error) => void;
}

export const ROTATING_FILE_DEFAULTS = {
  maxBytes: 10 * 1024 * 1024,
  keep: 5,
} as const;

const MAX_KEEP = 1000;

export class RotatingFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  readonly #onError: (err: Error) => void;
  #fd: number | null;
  #size: number;
  #failing = false;
  #dropped = 0;

  constructor(options: RotatingFileOptions) {
    const maxBytes = options.maxBytes ?? ROTATING_FILE_DEFAULTS.maxBytes;
    const keep = options.keep ?? ROTATING_FILE_DEFAULTS.keep;
    checkOption(options.path !== '', 'path', 'must not be empty');
    checkOption(
      Number.isSafeInteger(maxBytes) && maxBytes >= 1,
      'maxBytes',
      `must be a positive integer, got ${maxBytes}`,
    );
    checkOption(
      Number.isInteger(keep) && keep >= 0 && keep <= MAX_KEEP,
      'keep',
      `must be an integer in 0..${MAX_KEEP}, got ${keep}`,
    );
    this.path = options.path;
    this.maxBytes = maxBytes;
    this.keep = keep;
    this.#onError =
      options.onError ?? ((err) => process.stderr.write(`log file ${this.path}: ${err.message}; dropping log lines\n`));
    this.#fd = openSync(this.path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  /** Bytes in the live file. */
  get size(): number {
    return this.#size;
  }

  /** Writes that failed (disk full, file removed with its directory...): those lines are lost. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Appends `chunk` (pino hands over one serialized line per call), rotating
   * first when it would not fit. A failing write never throws into the
   * caller (logging must not take a daemon down): it is reported once and
   * counted in `dropped`.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.#fd === null) throw new LarsError(ErrorCode.CLOSED, `log file ${this.path} is closed`);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      if (this.#size > 0 && this.#size + bytes.length > this.maxBytes) this.#rotate();
      for (let off = 0; off < bytes.length; ) off += writeSync(this.#fd, bytes, off, bytes.length - off);
      this.#size += bytes.length;
      this.#failing = false;
    } catch (err) {
      this.#dropped++;
      if (!this.#failing) this.#onError(err as Error);
      this.#failing = true;
    }
    return true;
  }

  /** Nothing is buffered (every write is synchronous); pino calls this on flush(). */
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  /** Closes the live file; later writes throw LARS_CLOSED. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    closeSync(fd);
  }

  // .keep-1 -> .keep, ..., .1 -> .2, live -> .1 (renaming over the oldest drops it), then a new live file.
  // The old descriptor stays current until the new file is open, so a failed rename or open leaves a
  // working file behind (past its cap) rather than none.
  #rotate(): void {
    const old = this.#fd as number;
    if (this.keep === 0) {
      this.#fd = openSync(this.path, 'w');
    } else {
      for (let i = this.keep - 1; i >= 1; i--) {
        const from = `${this.path}.${i}`;
        if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
      this.#fd = openSync(this.path, 'a');
    }
    this.#size = 0;
    closeSync(old);
  }
}
