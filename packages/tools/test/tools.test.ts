// The dispatcher and every tool's argument checking, in-process. None of
// these reach an agent: a usage error is found before any socket is opened.
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../src/index.js';
import { runCaptured } from './tool-harness.js';

async function expectUsageError(tool: string, argv: string[], message: string | RegExp): Promise<void> {
  const run = await runCaptured(tool, argv);
  expect(run.code).toBe(2);
  expect(run.out).toBe('');
  expect(run.err).toMatch(message);
  expect(run.err).toContain(`run "${tool} --help"`);
}

describe('runTool dispatch', () => {
  it('lists the tools for help, exit 0', async () => {
    for (const name of ['help', '--help', '-h']) {
      const run = await runCaptured(name, []);
      expect(run.code).toBe(0);
      for (const tool of ['gethost', 'getroute', 'report', 'example', 'simulator', 'qps'])
        expect(run.out).toContain(`  ${tool} `);
    }
  });

  it('rejects a missing or unknown tool with the list on stderr, exit 2', async () => {
    const missing = await runCaptured('', []);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^missing tool name\nusage:/);
    const unknown = await runCaptured('gethosts', ['1', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^unknown tool "gethosts"/);
    expect(unknown.out).toBe('');
  });

  it("prints each tool's usage with every argument and option for --help, exit 0", async () => {
    const expected: Record<string, string[]> = {
      gethost: ['ModID', 'CmdID'],
      getroute: ['ModID', 'CmdID'],
      report: ['ModID', 'CmdID', 'IP', 'Port', 'Result'],
      example: ['ModID', 'CmdID'],
      simulator: ['ModID', 'CmdID', '[errRate]', '[queryCnt]', '--interval-ms N'],
      qps: ['ThreadNum', '--duration S', '--inflight K', '--json'],
    };
    expect([...TOOLS.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [tool, parts] of Object.entries(expected)) {
      const run = await runCaptured(tool, ['--help']);
      expect(run.code).toBe(0);
      expect(run.out.split('\n')[0]).toMatch(new RegExp(`^usage: ${tool} \\[options\\]`));
      for (const part of [...parts, '--host IP', '--base-port N', '-h, --help', 'exit status'])
        expect(run.out).toContain(part);
    }
  });
});

describe('usage errors name the argument, exit 2', () => {
  it('gethost / getroute / example: ids', async () => {
    for (const tool of ['gethost', 'getroute', 'example']) {
      await expectUsageError(tool, [], /missing arguments ModID CmdID/);
      await expectUsageError(tool, ['1'], /missing argument CmdID/);
      await expectUsageError(tool, ['x', '1'], /ModID must be an integer in 0\.\.2147483647, got "x"/);
      await expectUsageError(tool, ['1', '-2'], /CmdID must be an integer/);
      await expectUsageError(tool, ['1', '2', '3'], /unexpected argument "3"/);
      await expectUsageError(tool, ['1', '2', '--verbose'], /unknown option --verbose/);
      await expectUsageError(tool, ['1', '2', '--host', 'agent'], /--host must be an IPv4 address/);
      await expectUsageError(tool, ['1', '2', '--base-port', '0'], /--base-port must be an integer in 1\.\.65533/);
    }
  });

  it('report: ip, port and result', async () => {
    await expectUsageError('report', ['1', '2', '1.2.3.4', '80'], /missing argument Result/);
    await expectUsageError(
      'report',
      ['1', '2', '1.2.3.256', '80', '0'],
      /IP must be an IPv4 address like 127\.0\.0\.1, got "1\.2\.3\.256"/,
    );
    await expectUsageError(
      'report',
      ['1', '2', '1.2.3.4', '65536', '0'],
      /Port must be an integer in 1\.\.65535, got "65536"/,
    );
    await expectUsageError(
      'report',
      ['1', '2', '1.2.3.4', '80', '2'],
      /Result must be 0 \(success\) or 1 \(failure\), got "2"/,
    );
  });

  it('simulator: errRate, queryCnt and --interval-ms', async () => {
    await expectUsageError('simulator', ['1', '2', '11'], /errRate must be an integer in 0\.\.10, got "11"/);
    await expectUsageError(
      'simulator',
      ['1', '2', '1', '1000000'],
      /queryCnt must be an integer in 0\.\.999999, got "1000000"/,
    );
    await expectUsageError('simulator', ['1', '2', '--interval-ms', 'fast'], /--interval-ms must be an integer/);
    await expectUsageError('simulator', ['1', '2', '--interval-ms'], /option --interval-ms needs a value/);
  });

  it('qps: ThreadNum, --duration, --inflight, --json', async () => {
    await expectUsageError('qps', [], /missing argument ThreadNum/);
    await expectUsageError('qps', ['0'], /ThreadNum must be an integer in 1\.\.256, got "0"/);
    await expectUsageError('qps', ['1', '--duration', '0'], /--duration must be a number/);
    await expectUsageError('qps', ['1', '--inflight', '0'], /--inflight must be an integer in 1\.\.4096/);
    await expectUsageError('qps', ['1', '--json=yes'], /option --json takes no value/);
  });

  it('a malformed agent variable in the environment is named too', async () => {
    const run = await runCaptured('gethost', ['1', '2'], { env: { LARS_AGENT_BASE_PORT: 'eighty' } });
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/LARS_AGENT_BASE_PORT must be an integer/);
  });
});
