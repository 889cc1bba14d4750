// The daemons' command line (daemon-args.ts): pure parsing, no process.
import { describe, expect, it } from 'vitest';
import { daemonUsage, parseDaemonArgs, readDaemonPackageInfo } from '../src/daemon-args.js';

const DEFAULT = 'conf/lars_dns.conf';

describe('parseDaemonArgs', () => {
  it('takes the config file from the argument, else LARS_CONF, else the default', () => {
    expect(parseDaemonArgs(['/etc/a.conf'], { LARS_CONF: '/etc/b.conf' }, DEFAULT)).toEqual({
      kind: 'run',
      configFile: '/etc/a.conf',
    });
    expect(parseDaemonArgs([], { LARS_CONF: '/etc/b.conf' }, DEFAULT)).toEqual({
      kind: 'run',
      configFile: '/etc/b.conf',
    });
    expect(parseDaemonArgs([], { LARS_CONF: '' }, DEFAULT)).toEqual({ kind: 'run', configFile: DEFAULT });
    expect(parseDaemonArgs([], {}, DEFAULT)).toEqual({ kind: 'run', configFile: DEFAULT });
  });

  it('answers --help and --version wherever they are, before anything else', () => {
    expect(parseDaemonArgs(['--help'], {}, DEFAULT)).toEqual({ kind: 'help' });
    expect(parseDaemonArgs(['-h'], {}, DEFAULT)).toEqual({ kind: 'help' });
    expect(parseDaemonArgs(['x.conf', '--version'], {}, DEFAULT)).toEqual({ kind: 'version' });
    expect(parseDaemonArgs(['--frob', 'a', 'b', '--help'], {}, DEFAULT)).toEqual({ kind: 'help' });
    expect(parseDaemonArgs(['--version', '--help'], {}, DEFAULT)).toEqual({ kind: 'version' });
  });

  it('names an unknown option, an extra argument and an empty path', () => {
    expect(parseDaemonArgs(['--frob'], {}, DEFAULT)).toEqual({ kind: 'usage-error', message: 'unknown option --frob' });
    expect(parseDaemonArgs(['-x', 'a.conf'], {}, DEFAULT)).toEqual({
      kind: 'usage-error',
      message: 'unknown option -x',
    });
    expect(parseDaemonArgs(['a.conf', 'b.conf'], {}, DEFAULT)).toEqual({
      kind: 'usage-error',
      message: 'unexpected argument "b.conf" (one CONF at most)',
    });
    expect(parseDaemonArgs([''], {}, DEFAULT)).toEqual({ kind: 'usage-error', message: 'CONF must not be empty' });
  });

  it('reads everything after -- as a path, even --help', () => {
    expect(parseDaemonArgs(['--', '--help'], {}, DEFAULT)).toEqual({ kind: 'run', configFile: '--help' });
  });
});

describe('readDaemonPackageInfo and daemonUsage', () => {
  it('reads the bin name and version of a daemon package, the same file from src and dist', () => {
    const info = readDaemonPackageInfo(new URL('../../dns/package.json', import.meta.url));
    expect(info.program).toBe('lars-dns');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    const usage = daemonUsage(info, DEFAULT);
    expect(usage.split('\n')[0]).toBe('usage: lars-dns [CONF]');
    expect(usage).toContain(`default: $LARS_CONF, else ${DEFAULT}`);
    expect(usage).toContain('--version');
  });

  it('falls back to the package name without a bin, and names a file it cannot read', () => {
    expect(readDaemonPackageInfo(new URL('../package.json', import.meta.url)).program).toBe('@lars/reactor');
    expect(() => readDaemonPackageInfo(new URL('./no-such-package.json', import.meta.url))).toThrow(
      expect.objectContaining({ code: 'LARS_BAD_CONFIG', message: expect.stringContaining('no-such-package.json') }),
    );
  });
});
