import { checkOption } from '@lars/wire';
import { type Config, type ConfigRule, integerRule, msRule, numberRule, readRules, secondsRule } from '@lars/reactor';

/**
 * The agent's load-balancing parameters (load-balancing.md "Configuration").
 * Durations are milliseconds here; the `*_timeout` keys of the file are seconds.
 */
export interface LoadBalanceConfig {
  /** Picks between two probes of an overloaded host. */
  readonly probeNum: number;
  /** vsucc of a fresh idle host. */
  readonly initSuccCnt: number;
  /** verr of a freshly overloaded host. */
  readonly initErrCnt: number;
  /** idle -> overload when verr / (vsucc + verr) exceeds it. */
  readonly errRate: number;
  /** overload -> idle when vsucc / (vsucc + verr) exceeds it. */
  readonly succRate: number;
  /** idle -> overload after this many errors in a row. */
  readonly continErrLimit: number;
  /** overload -> idle after this many successes in a row. */
  readonly continSuccLimit: number;
  /** At the end of an idle window, overload if rerr / (rsucc + rerr) reaches it. */
  readonly windowErrRate: number;
  /** Length of an idle window. */
  readonly idleTimeoutMs: number;
  /** How long an overloaded host waits before it is idle again. */
  readonly overloadTimeoutMs: number;
  /** Age after which a NEW route is pulled again from the DNS. */
  readonly updateTimeoutMs: number;
  /** A failed call counts max(1, floor(timecost / unit)) virtual errors. */
  readonly timecostUnitMs: number;
  /** At most one ReportStatusRequest per route per interval. */
  readonly reportIntervalMs: number;
}

export const LOAD_BALANCE_DEFAULTS: LoadBalanceConfig = Object.freeze({
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

const SECTION = 'loadbalance';

/** count: integer >= 1; rate: in (0, 1]; seconds: > 0 in the file, whole ms >= 1 in the object; ms: integer >= 1. */
type Kind = 'count' | 'rate' | 'seconds' | 'ms';

interface Rule {
  readonly key: string;
  readonly field: keyof LoadBalanceConfig;
  readonly kind: Kind;
}

// File key names are the original agent's, so its configuration works unchanged.
const RULES: readonly Rule[] = [
  { key: 'probe_num', field: 'probeNum', kind: 'count' },
  { key: 'init_succ_cnt', field: 'initSuccCnt', kind: 'count' },
  { key: 'init_err_cnt', field: 'initErrCnt', kind: 'count' },
  { key: 'err_rate', field: 'errRate', kind: 'rate' },
  { key: 'succ_rate', field: 'succRate', kind: 'rate' },
  { key: 'contin_err_limit', field: 'continErrLimit', kind: 'count' },
  { key: 'contin_succ_limit', field: 'continSuccLimit', kind: 'count' },
  { key: 'window_err_rate', field: 'windowErrRate', kind: 'rate' },
  { key: 'idle_timeout', field: 'idleTimeoutMs', kind: 'seconds' },
  { key: 'overload_timeout', field: 'overloadTimeoutMs', kind: 'seconds' },
  { key: 'update_timeout', field: 'updateTimeoutMs', kind: 'seconds' },
  { key: 'timecost_unit_ms', field: 'timecostUnitMs', kind: 'ms' },
  { key: 'report_interval_ms', field: 'reportIntervalMs', kind: 'ms' },
];

const WHY: Record<Kind, string> = {
  count: 'must be an integer >= 1',
  rate: 'must be a number in (0, 1]',
  seconds: 'must be a number of seconds >= 0.001',
  ms: 'must be an integer >= 1 (milliseconds)',
};

/** Whether `value` (as held in LoadBalanceConfig) is acceptable for a field of `kind`. */
function valid(kind: Kind, value: number): boolean {
  switch (kind) {
    case 'rate':
      return Number.isFinite(value) && value > 0 && value <= 1;
    case 'count':
    case 'seconds':
    case 'ms':
      return Number.isSafeInteger(value) && value >= 1;
  }
}

/** Options that hold a `loadBalance` part (AgentOptions). */
export interface WithLoadBalance {
  loadBalance?: Partial<LoadBalanceConfig>;
}

function configRule(rule: Rule): ConfigRule<WithLoadBalance> {
  const option = `loadBalance.${rule.field}` as const;
  switch (rule.kind) {
    case 'count':
      return integerRule(SECTION, rule.key, option, 1);
    case 'rate':
      return numberRule(SECTION, rule.key, option, { min: 0, max: 1, exclusiveMin: true });
    case 'seconds':
      return secondsRule(SECTION, rule.key, option, 1);
    case 'ms':
      return msRule(SECTION, rule.key, option, 1);
  }
}

/** `[loadbalance]`'s load-balancing keys as config rules (the agent's table includes them). */
export const LOAD_BALANCE_RULES: readonly ConfigRule<WithLoadBalance>[] = RULES.map(configRule);

/**
 * Reads `[loadbalance]` of lars_lb_agent.conf over LOAD_BALANCE_DEFAULTS; a
 * value that does not parse or is out of range is a LARS_BAD_CONFIG error
 * `file: [loadbalance] key = value` with the range. Timeouts in seconds may be
 * fractional.
 */
export function loadBalanceConfigFromConfig(config: Config): LoadBalanceConfig {
  const present = readRules(config, LOAD_BALANCE_RULES).options.loadBalance;
  return Object.freeze({ ...LOAD_BALANCE_DEFAULTS, ...present });
}

/**
 * Validates a LoadBalanceConfig built in code (LARS_BAD_OPTION naming the
 * field); LoadBalance and RouteBook call it at their public boundary.
 */
export function checkLoadBalanceConfig(config: LoadBalanceConfig): void {
  for (const rule of RULES) {
    const value = config[rule.field];
    const why = rule.kind === 'seconds' ? 'must be an integer >= 1 (milliseconds)' : WHY[rule.kind];
    checkOption(typeof value === 'number' && valid(rule.kind, value), rule.field, why);
  }
}
