// The kinds of config rule a daemon's table is made of (config-rules.ts):
// each parses a present value with Config's typed getters, checks it against
// its range and converts it to the option's unit.
import type { Config } from './config.js';
import { type ConfigRule, type OptionPath, OUT_OF_RANGE, outOfRange } from './config-rules.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The parsers of checkedRule: Config's typed getters (the default never applies: the key is present). */
type Parse<T> = (config: Config, section: string, key: string) => T;
const asInteger: Parse<number> = (c, s, k) => c.getNumber(s, k, 0);
const asNumber: Parse<number> = (c, s, k) => c.getFloat(s, k, 0);
const asString: Parse<string> = (c, s, k) => c.getString(s, k, '');

/**
 * The shape of every single-value kind: `parse` reads the present value with
 * one of Config's typed getters (a value that does not parse is its error),
 * `inRange` decides whether the parsed value is the option's or OUT_OF_RANGE.
 */
function checkedRule<O, T>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  range: string,
  parse: Parse<T>,
  inRange: (value: T) => boolean,
): ConfigRule<O> {
  return {
    section,
    key,
    option,
    range,
    read: (c, s, k) => {
      const value = parse(c, s, k);
      return inRange(value) ? value : OUT_OF_RANGE;
    },
  };
}

function rangeText(min: number, max: number): string {
  return max >= MAX_SAFE ? `an integer >= ${min}` : `an integer ${min}..${max}`;
}

/** An integer min..max. */
export function integerRule<O>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  min: number,
  max = MAX_SAFE,
  range = rangeText(min, max),
): ConfigRule<O> {
  return checkedRule(section, key, option, range, asInteger, (n) => n >= min && n <= max);
}

/** A port a daemon listens on: 0 means any free port. */
export function listenPortRule<O>(section: string, key: string, option: OptionPath<O> | null): ConfigRule<O> {
  return integerRule(section, key, option, 0, 65535, 'a port 0..65535 (0: any free port)');
}

/** A peer's port (where a daemon connects): 0 is not a port one can connect to. */
export function peerPortRule<O>(section: string, key: string, option: OptionPath<O> | null): ConfigRule<O> {
  return integerRule(section, key, option, 1, 65535, 'a port 1..65535');
}

/** A number (fractions allowed) in [min, max], or (min, max] with `exclusiveMin`. */
export function numberRule<O>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  bounds: { min: number; max?: number; exclusiveMin?: boolean },
): ConfigRule<O> {
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const low = bounds.exclusiveMin === true ? `> ${bounds.min}` : `>= ${bounds.min}`;
  const range = Number.isFinite(max)
    ? `a number ${bounds.exclusiveMin === true ? '(' : '['}${bounds.min}, ${max}]`
    : `a number ${low}`;
  const inRange = (x: number) => (bounds.exclusiveMin === true ? x > bounds.min : x >= bounds.min) && x <= max;
  return checkedRule(section, key, option, range, asNumber, inRange);
}

/**
 * Seconds in the file (fractions allowed), whole milliseconds in the option.
 * `minMs` 1: "seconds >= 0.001" (so it stays > 0 in ms); 0: ">= 0" (`zero`
 * says what 0 means, e.g. "off"); `maxMs` caps it.
 */
export function secondsRule<O>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  minMs: 0 | 1,
  zero?: string,
  maxMs = Number.MAX_SAFE_INTEGER,
): ConfigRule<O> {
  const low = minMs === 1 ? 'seconds >= 0.001' : 'seconds >= 0';
  const high = maxMs < Number.MAX_SAFE_INTEGER ? ` and <= ${maxMs / 1000}` : '';
  const range = `${low}${high}${zero === undefined ? '' : ` (0: ${zero})`}`;
  const toMs: Parse<number> = (c, s, k) => Math.round(asNumber(c, s, k) * 1000);
  return checkedRule(section, key, option, range, toMs, (ms) => Number.isSafeInteger(ms) && ms >= minMs && ms <= maxMs);
}

/** Whole milliseconds >= min (the `*_ms` keys); `zero` says what 0 means when min is 0. */
export function msRule<O>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  min: 0 | 1,
  zero?: string,
): ConfigRule<O> {
  const meaning = min === 0 && zero !== undefined ? `, 0: ${zero}` : '';
  return integerRule(section, key, option, min, MAX_SAFE, `an integer >= ${min} (milliseconds${meaning})`);
}

const HOST = /^[A-Za-z0-9.:_%-]+$/;

/** A bind or peer address: an IP or a host name (no spaces, not empty). */
export function hostRule<O>(section: string, key: string, option: OptionPath<O> | null): ConfigRule<O> {
  return stringRule(section, key, option, 'an IP address or host name', (v) => HOST.test(v));
}

/** A string checked by `valid` (which says what it allows in `range`). */
export function stringRule<O>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  range: string,
  valid: (value: string) => boolean,
): ConfigRule<O> {
  return checkedRule(section, key, option, range, asString, valid);
}

/** What a list rule's item check returns: the option's item, or why the text is not one. */
export type ListItem<T> = { readonly item: T } | { readonly why: string };

/**
 * A comma list, each item checked by `item`; the error names the first bad
 * item and why.
 */
export function listRule<O, T>(
  section: string,
  key: string,
  option: OptionPath<O> | null,
  range: string,
  item: (text: string) => ListItem<T>,
): ConfigRule<O> {
  const rule: ConfigRule<O> = {
    section,
    key,
    option,
    range,
    read: (c, s, k) => {
      const out: T[] = [];
      for (const text of c.getStringList(s, k, [])) {
        const v = item(text);
        if ('why' in v) throw outOfRange(c, rule as ConfigRule<unknown>, `${JSON.stringify(text)} ${v.why}`);
        out.push(v.item);
      }
      return out;
    },
  };
  return rule;
}
