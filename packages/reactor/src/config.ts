import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { ErrorCode, LarsError } from '@lars/wire';

export interface ConfigOptions {
  /** Name used in error messages (the file path for loaded files). */
  source?: string;
  /** Where `LARS_<SECTION>_<KEY>` overrides are read from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

type Sections = Record<string, Record<string, unknown>>;

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/**
 * An INI file (the original's config_file) with typed getters. Every getter
 * takes a default, so a daemon runs with a key missing; a key that is present
 * but does not parse is an error naming file, section and key. An environment
 * variable `LARS_<SECTION>_<KEY>` (upper case) wins over the file.
 */
export class Config {
  readonly source: string;
  private readonly sections: Sections;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(text: string, options: ConfigOptions = {}) {
    this.source = options.source ?? '<config>';
    this.env = options.env ?? process.env;
    this.sections = parse(text) as Sections;
  }

  /** Reads and parses `file`; an unreadable file is a LARS_BAD_CONFIG error naming it. */
  static load(file: string, options: Omit<ConfigOptions, 'source'> = {}): Config {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new LarsError(ErrorCode.BAD_CONFIG, `cannot read config file ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new Config(text, { ...options, source: file });
  }

  /** The environment variable that overrides `[section] key`. */
  static envName(section: string, key: string): string {
    return `LARS_${section}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  }

  has(section: string, key: string): boolean {
    return this.raw(section, key) !== undefined;
  }

  getString(section: string, key: string, fallback: string): string {
    return this.raw(section, key)?.value ?? fallback;
  }

  /** An integer. */
  getNumber(section: string, key: string, fallback: number): number {
    const raw = this.raw(section, key);
    if (raw === undefined) return fallback;
    if (!INTEGER.test(raw.value)) throw this.bad(section, key, raw, 'an integer');
    const n = Number(raw.value);
    if (!Number.isSafeInteger(n)) throw this.bad(section, key, raw, 'an integer in the safe range');
    return n;
  }

  getFloat(section: string, key: string, fallback: number): number {
    const raw = this.raw(section, key);
    if (raw === undefined) return fallback;
    if (!FLOAT.test(raw.value)) throw this.bad(section, key, raw, 'a number');
    return Number(raw.value);
  }

  /** true/yes/on/1 and false/no/off/0, any case (the original could not read "false"). */
  getBool(section: string, key: string, fallback: boolean): boolean {
    const raw = this.raw(section, key);
    if (raw === undefined) return fallback;
    const word = raw.value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw this.bad(section, key, raw, 'true/false, yes/no, on/off or 1/0');
  }

  /** A comma-separated list, items trimmed, empty items dropped. */
  getStringList(section: string, key: string, fallback: readonly string[]): string[] {
    const raw = this.raw(section, key);
    if (raw === undefined) return [...fallback];
    return raw.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  private raw(section: string, key: string): { value: string; from: string } | undefined {
    const envName = Config.envName(section, key);
    const fromEnv = this.env[envName];
    if (fromEnv !== undefined) return { value: fromEnv.trim(), from: `environment ${envName}` };
    const value = this.sections[section]?.[key];
    if (value === undefined || value === null) return undefined;
    // ini turns bare true/false into booleans; everything else stays a string.
    return { value: String(value).trim(), from: this.source };
  }

  private bad(section: string, key: string, raw: { value: string; from: string }, expected: string): LarsError {
    const where = raw.from === this.source ? this.source : `${raw.from} (overriding ${this.source})`;
    return new LarsError(
      ErrorCode.BAD_CONFIG,
      `${where}: [${section}] ${key} = ${JSON.stringify(raw.value)} is not ${expected}`,
    );
  }
}
