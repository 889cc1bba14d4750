import { readFileSync } from 'node:fs';
import { Config } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import { describe, expect, it } from 'vitest';
import {
  LOAD_BALANCE_DEFAULTS,
  checkLoadBalanceConfig,
  loadBalanceConfigFromConfig,
} from '../src/load-balance-config.js';

// An original agent's lars_lb_agent.conf, comments and all, with every value changed from its default.
const ORIGINAL = readFileSync(new URL('./fixtures/original-lars-lb-agent.conf', import.meta.url), 'utf8');

function load(text: string, env: Record<string, string> = {}) {
  return loadBalanceConfigFromConfig(new Config(text, { source: 'conf/lars_lb_agent.conf', env }));
}

function errorOf(fn: () => unknown): LarsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LarsError);
    return err as LarsError;
  }
  throw new Error('expected a LarsError');
}

describe('loadBalanceConfigFromConfig', () => {
  it('gives the defaults of load-balancing.md when [loadbalance] is absent', () => {
    const config = load('[reporter]\nip = 127.0.0.1\n');
    expect(config).toEqual(LOAD_BALANCE_DEFAULTS);
    expect(config).toEqual({
      probeNum: 10,
      initSuccCnt: 180,
      initErrCnt: 5,
      errRate: 0.1,
      succRate: 0.95,
      continErrLimit: 15,
      continSuccLimit: 15,
      windowErrRate: 0.7,
      idleTimeoutMs: 15_000,
      overloadTimeoutMs: 15_000,
      updateTimeoutMs: 15_000,
      timecostUnitMs: 100,
      reportIntervalMs: 1000,
    });
  });

  it("reads an original agent's [loadbalance] section unchanged (timeouts in seconds)", () => {
    expect(load(ORIGINAL)).toEqual({
      probeNum: 12,
      initSuccCnt: 170,
      initErrCnt: 6,
      errRate: 0.11,
      succRate: 0.92,
      continErrLimit: 10,
      continSuccLimit: 11,
      windowErrRate: 0.75,
      idleTimeoutMs: 16_000,
      overloadTimeoutMs: 17_000,
      updateTimeoutMs: 18_000,
      timecostUnitMs: 100,
      reportIntervalMs: 1000,
    });
  });

  it('reads the extension keys, fractional seconds and environment overrides', () => {
    const config = load(
      '[loadbalance]\nidle_timeout = 2.5\ntimecost_unit_ms = 50\nreport_interval_ms = 250\nprobe_num = 3\n',
      { LARS_LOADBALANCE_PROBE_NUM: '7' },
    );
    expect(config.idleTimeoutMs).toBe(2500);
    expect(config.timecostUnitMs).toBe(50);
    expect(config.reportIntervalMs).toBe(250);
    expect(config.probeNum).toBe(7);
  });

  it.each([
    ['err_rate', '1.5'],
    ['succ_rate', '0'],
    ['window_err_rate', '-0.2'],
    ['probe_num', '0'],
    ['init_succ_cnt', '-1'],
    ['contin_err_limit', '0'],
    ['idle_timeout', '0'],
    ['overload_timeout', '-3'],
    ['update_timeout', '0.0001'],
    ['timecost_unit_ms', '0'],
    ['report_interval_ms', '0'],
  ])('rejects %s = %s naming the key', (key, value) => {
    const err = errorOf(() => load(`[loadbalance]\n${key} = ${value}\n`));
    expect(err.code).toBe(ErrorCode.BAD_CONFIG);
    expect(err.message).toContain(`[loadbalance] ${key}`);
    expect(err.message).toContain('conf/lars_lb_agent.conf');
  });

  it('rejects a value that does not parse, naming the key', () => {
    const err = errorOf(() => load('[loadbalance]\nprobe_num = ten\n'));
    expect(err.code).toBe(ErrorCode.BAD_CONFIG);
    expect(err.message).toContain('[loadbalance] probe_num');
    const err2 = errorOf(() => load('[loadbalance]\nerr_rate = high\n'));
    expect(err2.message).toContain('[loadbalance] err_rate');
  });
});

describe('checkLoadBalanceConfig', () => {
  it('accepts the defaults and names a bad field', () => {
    expect(() => checkLoadBalanceConfig(LOAD_BALANCE_DEFAULTS)).not.toThrow();
    const err = errorOf(() => checkLoadBalanceConfig({ ...LOAD_BALANCE_DEFAULTS, overloadTimeoutMs: 0 }));
    expect(err.code).toBe(ErrorCode.BAD_OPTION);
    expect(err.message).toContain('overloadTimeoutMs');
    const err2 = errorOf(() => checkLoadBalanceConfig({ ...LOAD_BALANCE_DEFAULTS, errRate: Number.NaN }));
    expect(err2.message).toContain('errRate');
  });
});
