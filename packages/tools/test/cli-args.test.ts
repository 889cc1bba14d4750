import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import {
  formatUsage,
  parseArgv,
  parseIdArg,
  parseIntArg,
  parseIpArg,
  parsePortArg,
  parsePositiveArg,
  UsageError,
  wrap,
  type ArgSpec,
} from '../src/cli-args.js';

const SPEC: ArgSpec = {
  positionals: [
    { name: 'A', help: 'first' },
    { name: 'B', help: 'second' },
    { name: 'C', help: 'third', optional: true },
  ],
  flags: [
    { name: 'duration', value: 'S', help: 'seconds' },
    { name: 'json', help: 'switch' },
  ],
};

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe(ErrorCode.BAD_OPTION);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgv', () => {
  it('separates positionals, valued flags (both spellings) and switches', () => {
    const args = parseArgv(['1', '--duration', '3', '2', '--json', 'x'], SPEC);
    expect(args.positionals).toEqual(['1', '2', 'x']);
    expect(args.flags.get('duration')).toBe('3');
    expect(args.flags.get('json')).toBe(true);
    expect(args.help).toBe(false);
    expect(parseArgv(['1', '2', '--duration=0.5'], SPEC).flags.get('duration')).toBe('0.5');
  });

  it('takes a negative number as a positional, so the validator can name it', () => {
    expect(parseArgv(['-1', '2'], SPEC).positionals).toEqual(['-1', '2']);
  });

  it('stops at -h / --help without checking the rest', () => {
    expect(parseArgv(['--help'], SPEC).help).toBe(true);
    expect(parseArgv(['x', '-h', '--unknown'], SPEC).help).toBe(true);
  });

  it('treats everything after -- as positionals', () => {
    expect(parseArgv(['1', '--', '--json'], SPEC).positionals).toEqual(['1', '--json']);
  });

  it('rejects unknown options, missing values, values on switches, missing and extra arguments', () => {
    expect(usageMessage(() => parseArgv(['1', '2', '--nope'], SPEC))).toBe('unknown option --nope');
    expect(usageMessage(() => parseArgv(['1', '2', '-x'], SPEC))).toBe('unknown option -x');
    expect(usageMessage(() => parseArgv(['1', '2', '--duration'], SPEC))).toBe('option --duration needs a value (S)');
    expect(usageMessage(() => parseArgv(['1', '2', '--json=1'], SPEC))).toBe('option --json takes no value');
    expect(usageMessage(() => parseArgv([], SPEC))).toBe('missing arguments A B');
    expect(usageMessage(() => parseArgv(['1'], SPEC))).toBe('missing argument B');
    expect(usageMessage(() => parseArgv(['1', '2', '3', '4'], SPEC))).toBe('unexpected argument "4"');
  });
});

describe('value validators', () => {
  it('parseIntArg accepts plain decimal integers in range only', () => {
    expect(parseIntArg('0', 'n', 0, 10)).toBe(0);
    expect(parseIntArg('10', 'n', 0, 10)).toBe(10);
    for (const bad of ['11', '-1', '1.5', '1e1', '+1', ' 1', '', 'abc', '0x1']) {
      expect(usageMessage(() => parseIntArg(bad, 'errRate', 0, 10))).toBe(
        `errRate must be an integer in 0..10, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('parsePositiveArg accepts decimals in (0, max]', () => {
    expect(parsePositiveArg('0.5', '--duration', 10)).toBe(0.5);
    expect(parsePositiveArg('2', '--duration', 10)).toBe(2);
    for (const bad of ['0', '11', '-1', 'x', '.5', '1e1']) {
      expect(usageMessage(() => parsePositiveArg(bad, '--duration', 10))).toContain('--duration must be a number');
    }
  });

  it('ids are int32 non-negative', () => {
    expect(parseIdArg('2147483647', 'ModID')).toBe(2147483647);
    expect(usageMessage(() => parseIdArg('2147483648', 'ModID'))).toContain(
      'ModID must be an integer in 0..2147483647',
    );
    expect(usageMessage(() => parseIdArg('abc', 'CmdID'))).toContain('CmdID');
  });

  it('IPs are dotted quads and ports 1..65535', () => {
    expect(parseIpArg('192.168.1.177', 'IP')).toBe('192.168.1.177');
    for (const bad of ['256.1.1.1', '1.2.3', 'localhost', '1.2.3.4.5', '']) {
      expect(usageMessage(() => parseIpArg(bad, 'IP'))).toContain('IP must be an IPv4 address');
    }
    expect(parsePortArg('65535', 'Port')).toBe(65535);
    expect(usageMessage(() => parsePortArg('0', 'Port'))).toContain('Port must be an integer in 1..65535');
    expect(usageMessage(() => parsePortArg('65536', 'Port'))).toContain('Port');
  });
});

describe('formatUsage and wrap', () => {
  it('lists the synopsis, every argument and option, --help and the notes', () => {
    const text = formatUsage('tool', 'Does things.', SPEC, ['exit status: 0']);
    expect(text.split('\n')[0]).toBe('usage: tool [options] A B [C]');
    for (const part of ['Does things.', '  A ', '  C ', '--duration S', '--json', '-h, --help', 'exit status: 0']) {
      expect(text).toContain(part);
    }
  });

  it('wraps at spaces within the width, keeping every word', () => {
    const text = 'one two three four five six seven';
    const lines = wrap(text, 10);
    expect(lines.every((l) => l.length <= 10)).toBe(true);
    expect(lines.join(' ')).toBe(text);
    expect(wrap('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });
});
