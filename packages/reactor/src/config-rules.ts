// A daemon's config as one table of rules: each file key, the option it sets
// and its allowed range. readDaemonConfig checks a whole file against the table
// (unknown sections, keys and LARS_ variables are errors naming the nearest
// known one) and returns only the options whose keys are present: the
// daemon's constructor DEFAULTS stay the one source of every default. The
// rule kinds (ports, seconds, lists...) are in config-rule-kinds.ts.
import { ErrorCode, LarsError } from '@lars/wire';
import { Config } from './config.js';
import { isNonConfigVariable, LARS_CONFIG_SECTIONS, NON_CONFIG_VARIABLES } from './lars-env.js';

/** The field a key sets: `port`, or a nested one such as `mysql.port`. */
export type OptionPath<O> = (keyof O & string) | `${keyof O & string}.${string}`;

export interface ConfigRule<O = Record<string, unknown>> {
  readonly section: string;
  readonly key: string;
  /** The option the value sets; null: a key of the original that is read and checked but changes nothing. */
  readonly option: OptionPath<O> | null;
  /** The allowed values, as errors and docs state them: `1..65535`, `seconds > 0`. */
  readonly range: string;
  /**
   * Parses the present value with Config's typed getters (a value that does
   * not parse is their error), and returns the option value, or OUT_OF_RANGE.
   */
  readonly read: (config: Config, section: string, key: string) => unknown;
}

/**
 * `true` when O has every field of Part with a compatible type. A table that
 * includes a shared rule list (typed on Part) asserts it, since a rule's
 * option type alone is checked against only the fields both have:
 * `const fieldsExist: HasFields<DnsServerOptions, ReactorOptions> = true`
 * (sharedRules does it per list). Part `never` (a list whose rules set no
 * option, such as STATS_RULES) is always `true`.
 */
export type HasFields<O, Part> = [Part] extends [never] ? true : Required<O> extends Required<Part> ? true : never;

/**
 * The includer of shared rule lists (REACTOR_RULES, MYSQL_RULES, STATS_RULES...)
 * in O's table: `include(LIST, true)` compiles only when HasFields<O, Part>
 * holds for the list's Part, and gives its rules typed as O's.
 */
export function sharedRules<O>(): <Part>(
  rules: readonly ConfigRule<Part>[],
  fieldsExist: HasFields<O, Part>,
) => readonly ConfigRule<O>[] {
  return (rules) => rules as unknown as readonly ConfigRule<O>[];
}

/** What a rule's read returns for a value that parses but is outside `range`. */
export const OUT_OF_RANGE: unique symbol = Symbol('out of range');

export interface ConfigSchema<O = Record<string, unknown>> {
  /** The daemon, as errors name it: `lars-dns`. */
  readonly daemon: string;
  readonly rules: readonly ConfigRule<O>[];
  /** Section spellings of the original's files read as another section: `{ repoter: 'reporter' }`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Keys another Lars daemon reads in a section this one has too (the agent's
   * `[reporter] port` beside the reporter's `[reporter] db_thread_cnt`): their
   * LARS_ variables belong to that daemon, so one shell can configure both.
   */
  readonly otherDaemonKeys?: Readonly<Record<string, readonly string[]>>;
}

/** Receives the warnings of a read (a `[repoter]` section): the daemon logs each once. */
export type ConfigWarn = (message: string) => void;

/** Edit distance (Levenshtein), case-insensitive: how a mistyped name finds its nearest. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length];
}

/** The candidate nearest to `name` (the first of equals, so table order breaks ties). */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function badConfig(message: string): LarsError {
  return new LarsError(ErrorCode.BAD_CONFIG, message);
}

function sectionsOf(schema: ConfigSchema<unknown>): string[] {
  return [...new Set(schema.rules.map((r) => r.section))];
}

function keysOf(schema: ConfigSchema<unknown>, section: string): string[] {
  return schema.rules.filter((r) => r.section === section).map((r) => r.key);
}

/** `[alias]` read as its section, with a warning each; two spellings at once are an error (Config). */
function applyAliases(config: Config, schema: ConfigSchema<unknown>, warn: ConfigWarn): void {
  for (const [alias, section] of Object.entries(schema.aliases ?? {})) {
    if (!config.sectionNames().includes(alias)) continue;
    config.addSectionAlias(alias, section);
    warn(`${config.source}: [${alias}] is read as [${section}] (the original's spelling); rename it to [${section}]`);
  }
}

/** Unknown sections, keys and entries outside a section: LARS_BAD_CONFIG naming them and the nearest known name. */
function checkFile(config: Config, schema: ConfigSchema<unknown>): void {
  const file = config.source;
  const outside = config.keysOutsideSections();
  if (outside.length > 0) throw badConfig(`${file}: ${outside[0]} is set outside any [section]`);
  const sections = sectionsOf(schema);
  const aliases = schema.aliases ?? {};
  for (const name of config.sectionNames()) {
    const section = aliases[name] ?? name;
    if (!sections.includes(section)) {
      const keys = config.keysIn(name);
      const what = keys.length === 0 ? '' : ` (keys ${keys.join(', ')})`;
      throw badConfig(
        `${file}: unknown section [${name}]${what} for ${schema.daemon}; the nearest is [${nearest(name, sections)}] ` +
          `(sections: ${sections.map((s) => `[${s}]`).join(' ')})`,
      );
    }
    const known = keysOf(schema, section);
    for (const key of config.keysIn(name)) {
      if (known.includes(key)) continue;
      throw badConfig(
        `${file}: [${name}] ${key}: unknown key; the nearest is ${nearest(key, known)} ([${section}] keys: ${known.join(', ')})`,
      );
    }
  }
}

/**
 * `LARS_*` variables: one of this daemon's sections with a key neither it nor
 * another daemon reads there is an error, and so is one of no daemon's section
 * that is not in NON_CONFIG_VARIABLES. Variables of sections other daemons
 * have (`LARS_DNSSERVER_PORT` for the DNS) are theirs and are ignored.
 */
function checkEnvironment(config: Config, schema: ConfigSchema<unknown>): void {
  const sections = sectionsOf(schema);
  for (const name of Object.keys(config.environment).sort()) {
    if (!name.startsWith('LARS_') || config.environment[name] === undefined || isNonConfigVariable(name)) continue;
    const section = sections.find((s) => name.startsWith(`LARS_${s.toUpperCase()}_`));
    if (section === undefined) {
      if (LARS_CONFIG_SECTIONS.some((s) => name.startsWith(`LARS_${s.toUpperCase()}_`))) continue;
      throw badConfig(
        `environment ${name}: no Lars daemon has a config key of that name, nor is it one of ` +
          `${Object.keys(NON_CONFIG_VARIABLES).join(', ')}; the nearest is ${nearest(name, knownVariables(schema))}`,
      );
    }
    const own = keysOf(schema, section);
    const others = schema.otherDaemonKeys?.[section] ?? [];
    if ([...own, ...others].some((k) => Config.envName(section, k) === name)) continue;
    throw badConfig(
      `environment ${name}: ${schema.daemon} has no [${section}] key of that name; the nearest is ` +
        `${nearest(
          name,
          own.map((k) => Config.envName(section, k)),
        )} ([${section}] keys: ${own.join(', ')})`,
    );
  }
}

function knownVariables(schema: ConfigSchema<unknown>): string[] {
  return [...schema.rules.map((r) => Config.envName(r.section, r.key)), ...Object.keys(NON_CONFIG_VARIABLES)];
}

/** The error for a value that parses but is out of its rule's range. */
export function outOfRange(config: Config, rule: ConfigRule<unknown>, detail?: string): LarsError {
  const v = config.lookup(rule.section, rule.key);
  const shown = v === undefined ? '' : v.value;
  const where = v?.where ?? config.source;
  const section = v?.section ?? rule.section;
  const what = detail === undefined ? 'is out of range' : `is out of range (${detail})`;
  return badConfig(`${where}: [${section}] ${rule.key} = ${shown} ${what}: allowed ${rule.range}`);
}

function setPath(out: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = out;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next === 'object' && next !== null) at = next as Record<string, unknown>;
    else at = at[part] = {};
  }
  at[parts[parts.length - 1]] = value;
}

/** The values a file (or the environment) sets, by `section key`, for rules without an option field. */
export type ConfigValues = ReadonlyMap<string, unknown>;

export interface ReadRules<O> {
  /** The options whose keys are present, nothing else. */
  options: Partial<O>;
  /** Every present key's value, by `section key` (the original's `[reactor] threadNum` too). */
  values: ConfigValues;
}

/**
 * Reads `rules` from `config`: only the keys present; each value range-checked,
 * an out-of-range one a LARS_BAD_CONFIG error `file: [section] key = value is
 * out of range: <range>`. No check for unknown keys (see readDaemonConfig).
 */
export function readRules<O>(config: Config, rules: readonly ConfigRule<O>[]): ReadRules<O> {
  const options: Record<string, unknown> = {};
  const values = new Map<string, unknown>();
  for (const rule of rules) {
    if (!config.has(rule.section, rule.key)) continue;
    const value = rule.read(config, rule.section, rule.key);
    if (value === OUT_OF_RANGE) throw outOfRange(config, rule as ConfigRule<unknown>);
    values.set(`${rule.section} ${rule.key}`, value);
    if (rule.option !== null) setPath(options, rule.option, value);
  }
  return { options: options as Partial<O>, values };
}

/**
 * A daemon's whole config: `[alias]` sections read as theirs (warned), then
 * unknown sections, keys and LARS_ variables rejected, then readRules.
 */
export function readDaemonConfig<O>(
  config: Config,
  schema: ConfigSchema<O>,
  warn: ConfigWarn = () => {},
): ReadRules<O> {
  applyAliases(config, schema as ConfigSchema<unknown>, warn);
  checkFile(config, schema as ConfigSchema<unknown>);
  checkEnvironment(config, schema as ConfigSchema<unknown>);
  return readRules(config, schema.rules);
}
