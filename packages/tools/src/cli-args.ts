// The tools' small argument parser and validators. Every message names the
// argument it is about, so a user sees which one to fix; every failure is a
// UsageError, which the dispatcher turns into exit code 2.
import { parseIpv4 } from '@lars/proto';
import { ErrorCode, LarsError } from '@lars/wire';

/** A bad command line. `code` is LARS_BAD_OPTION; the dispatcher exits 2 for it. */
export class UsageError extends LarsError {
  constructor(message: string) {
    super(ErrorCode.BAD_OPTION, message);
    this.name = 'UsageError';
  }
}

/** An option of a tool. Without `value` it is a switch (`--json`); with it, it takes one (`--duration S`). */
export interface FlagSpec {
  readonly name: string;
  /** Placeholder shown in the usage text; absent for a switch. */
  readonly value?: string;
  readonly help: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  /** Optional positionals come after the required ones. */
  readonly optional?: boolean;
}

export interface ArgSpec {
  readonly positionals: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
}

export interface ParsedArgs {
  /** Raw positional values, in order; at least the required ones. */
  readonly positionals: readonly string[];
  /** Raw flag values by name (without `--`); a switch maps to `true`. */
  readonly flags: ReadonlyMap<string, string | true>;
  /** `-h` / `--help` was given: the caller prints the usage and nothing else is checked. */
  readonly help: boolean;
}

const NUMBER_LIKE = /^-\d/;

/**
 * Splits argv into positionals and flags (`--name value` or `--name=value`).
 * Unknown flags, a missing flag value, a switch given a value, too few or too
 * many positionals are UsageErrors. `--` ends the flags.
 */
export function parseArgv(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-' || NUMBER_LIKE.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') return { positionals, flags, help: true };
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = byName.get(name);
    if (flag === undefined) throw new UsageError(`unknown option --${name}`);
    if (flag.value === undefined) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      flags.set(name, true);
    } else if (eq >= 0) {
      flags.set(name, arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`option --${name} needs a value (${flag.value})`);
      flags.set(name, value);
      i++;
    }
  }
  const required = spec.positionals.filter((p) => p.optional !== true);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((p) => p.name);
    throw new UsageError(`missing argument${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[spec.positionals.length])}`);
  }
  return { positionals, flags, help: false };
}

const DIGITS = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** A decimal integer in min..max (digits only: no sign, exponent or blanks). */
export function parseIntArg(raw: string, name: string, min: number, max: number): number {
  const n = DIGITS.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** A decimal number (fraction allowed) in (0, max]. */
export function parsePositiveArg(raw: string, name: string, max: number): number {
  const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!(n > 0 && n <= max)) throw new UsageError(`${name} must be a number in (0, ${max}], got ${JSON.stringify(raw)}`);
  return n;
}

/** Largest modid / cmdid: both are int32 on the wire. */
export const MAX_ID = 2_147_483_647;

export function parseIdArg(raw: string, name: string): number {
  return parseIntArg(raw, name, 0, MAX_ID);
}

/** A dotted-quad IPv4 address, returned as given. */
export function parseIpArg(raw: string, name: string): string {
  if (parseIpv4(raw) < 0)
    throw new UsageError(`${name} must be an IPv4 address like 127.0.0.1, got ${JSON.stringify(raw)}`);
  return raw;
}

export function parsePortArg(raw: string, name: string): number {
  return parseIntArg(raw, name, 1, 65_535);
}

/** The raw value of a valued flag, or undefined when absent. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** True when the switch was given. */
export function flagSet(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

const WRAP_COLUMNS = 100;

/** Splits `text` at spaces into lines of at most `columns` characters (a longer word gets its own line). */
export function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line !== '' && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The usage text of a tool: synopsis, description, one line per argument and option. */
export function formatUsage(tool: string, summary: string, spec: ArgSpec, footer: readonly string[] = []): string {
  const synopsis = spec.positionals.map((p) => (p.optional === true ? `[${p.name}]` : p.name)).join(' ');
  const rows: [string, string][] = [
    ...spec.positionals.map((p): [string, string] => [p.name, p.help]),
    ...spec.flags.map((f): [string, string] => [`--${f.name}${f.value === undefined ? '' : ` ${f.value}`}`, f.help]),
    ['-h, --help', 'print this text and exit'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [`usage: ${tool} [options] ${synopsis}`.trimEnd(), '', ...wrap(summary, WRAP_COLUMNS), ''];
  const indent = ' '.repeat(width + 2);
  for (const [left, help] of rows) {
    const [first, ...rest] = wrap(help, Math.max(40, WRAP_COLUMNS - indent.length));
    lines.push(`  ${left.padEnd(width)}${first ?? ''}`, ...rest.map((l) => `${indent}${l}`));
  }
  if (footer.length > 0) lines.push('', ...footer);
  return `${lines.join('\n')}\n`;
}
