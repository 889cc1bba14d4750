import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { ErrorCode, LarsError } from '@lars/wire';

export interface ConfigOptions {
  /** Name used in error messages (the file path for loaded files). */
  source?: string;
  /** Where `LARS_<SECTION>_<KEY>` overrides are read from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

type Sections = Record<string, unknown>;

/** Where a value came from and what it is, for error messages. */
export interface ConfigValue {
  /** The value, trimmed. */
  readonly value: string;
  /** `conf/x.conf`, or `environment LARS_X_Y (overriding conf/x.conf)`. */
  readonly where: string;
  /** The section it was read from: `repoter` when an alias supplied it. */
  readonly section: string;
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

interface Raw {
  value: string;
  from: string;
  section: string;
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An INI file (the original's config_file) with typed getters. Every getter
 * takes a default, so a daemon runs with a key missing; a key that is present
 * but does not parse is an error naming file, section and key. An environment
 * variable `LARS_<SECTION>_<KEY>` (upper case) wins over the file. Daemons
 * read it through their rules table (config-rules.ts), which also rejects
 * unknown names and out-of-range values.
 */
export class Config {
  readonly source: string;
  private readonly sections: Sections;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** section -> the other name it may be spelt with in a file (`reporter` -> `repoter`). */
  private readonly aliases = new Map<string, string>();

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

  /** The environment this config reads `LARS_*` overrides from. */
  get environment(): Readonly<Record<string, string | undefined>> {
    return this.env;
  }

  /** The file's sections, in file order. */
  sectionNames(): string[] {
    return Object.keys(this.sections).filter((name) => isSection(this.sections[name]));
  }

  /** Entries before the first section header (`key = value` outside any section). */
  keysOutsideSections(): string[] {
    return Object.keys(this.sections).filter((name) => !isSection(this.sections[name]));
  }

  /** The keys of `[section]` in the file (none when it is absent). */
  keysIn(section: string): string[] {
    const s = this.sections[section];
    return isSection(s) ? Object.keys(s) : [];
  }

  /**
   * Reads `[alias]` wherever `[section]` is asked for (the original reporter's
   * `[repoter]`). A file with both is ambiguous: LARS_BAD_CONFIG.
   */
  addSectionAlias(alias: string, section: string): void {
    if (isSection(this.sections[alias]) && isSection(this.sections[section])) {
      throw new LarsError(
        ErrorCode.BAD_CONFIG,
        `${this.source}: both [${alias}] and [${section}]: [${alias}] is the original's spelling of [${section}], keep one`,
      );
    }
    this.aliases.set(section, alias);
  }

  /** The value of `[section] key` and where it came from, or undefined when neither the environment nor the file sets it. */
  lookup(section: string, key: string): ConfigValue | undefined {
    const raw = this.raw(section, key);
    if (raw === undefined) return undefined;
    return { value: raw.value, where: this.where(raw.from), section: raw.section };
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

  private raw(section: string, key: string): Raw | undefined {
    const envName = Config.envName(section, key);
    const fromEnv = this.env[envName];
    if (fromEnv !== undefined) return { value: fromEnv.trim(), from: `environment ${envName}`, section };
    for (const name of [section, this.aliases.get(section)]) {
      if (name === undefined) continue;
      const s = this.sections[name];
      const value = isSection(s) ? s[key] : undefined;
      if (value === undefined || value === null) continue;
      // ini turns bare true/false into booleans; everything else stays a string.
      return { value: String(value).trim(), from: this.source, section: name };
    }
    return undefined;
  }

  private where(from: string): string {
    return from === this.source ? this.source : `${from} (overriding ${this.source})`;
  }

  private bad(_section: string, key: string, raw: Raw, expected: string): LarsError {
    return new LarsError(
      ErrorCode.BAD_CONFIG,
      `${this.where(raw.from)}: [${raw.section}] ${key} = ${JSON.stringify(raw.value)} is not ${expected}`,
    );
  }
}
