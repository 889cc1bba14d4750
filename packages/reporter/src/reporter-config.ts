import {
  type Config,
  type ConfigSchema,
  type ConfigWarn,
  integerRule,
  OUT_OF_RANGE,
  readDaemonConfig,
  REACTOR_GUARD_RULES,
  REACTOR_RULES,
  secondsRule,
  STATS_RULES,
  sharedRules,
} from '@lars/reactor';
import { MYSQL_RULES } from '@lars/store';
import { MAX_CLOSE_TIMEOUT_MS, MIN_STATEMENT_BYTES, type ReporterServerOptions } from './reporter-server.js';
import { MAX_ROLLUP_FLUSH_MS, MAX_ROLLUP_INTERVAL_S, MIN_RETENTION_S } from './rollup-options.js';

// The shared rule lists set fields ReporterServerOptions must have (HasFields, checked per list).
const shared = sharedRules<ReporterServerOptions>();

/** A writer's queue is a SabQueue: a power of two within its bounds. */
const QUEUE_MIN = 64;
const QUEUE_MAX = 2 ** 30;

/**
 * lars_reporter.conf, every key the reporter reads (docs/configuration.md
 * "Reporter"): the original's `[reactor]`, `[mysql]` and `[reporter]
 * db_thread_cnt`, Lars-TS's other `[reporter]` keys, and `[stats]`. The
 * original reporter spelt the section `[repoter]`: it is read as `[reporter]`
 * with a warning, so an original file works unchanged.
 */
export const REPORTER_CONFIG: ConfigSchema<ReporterServerOptions> = {
  daemon: 'lars-reporter',
  rules: [
    ...shared(REACTOR_RULES, true),
    ...shared(REACTOR_GUARD_RULES, true),
    ...shared(MYSQL_RULES, true),
    integerRule('reporter', 'db_thread_cnt', 'writers', 1, 64),
    {
      ...integerRule<ReporterServerOptions>('reporter', 'queue_bytes', 'queueBytes', QUEUE_MIN, QUEUE_MAX),
      range: `a power of two ${QUEUE_MIN}..${QUEUE_MAX} (bytes)`,
      read: (c, s, k) => {
        const n = c.getNumber(s, k, 0);
        return n >= QUEUE_MIN && n <= QUEUE_MAX && (n & (n - 1)) === 0 ? n : OUT_OF_RANGE;
      },
    },
    integerRule('reporter', 'batch_size', 'batchRecords', 1),
    secondsRule('reporter', 'close_timeout', 'closeTimeoutMs', 0, undefined, MAX_CLOSE_TIMEOUT_MS),
    integerRule('reporter', 'max_statement_bytes', 'maxStatementBytes', MIN_STATEMENT_BYTES),
    integerRule('reporter', 'lock_wait_timeout', 'lockWaitTimeoutS', 1, 3600),
    {
      section: 'reporter',
      key: 'rollup',
      option: 'rollup',
      range: 'on or off (also true/false, yes/no, 1/0)',
      read: (c, s, k) => c.getBool(s, k, false),
    },
    integerRule(
      'reporter',
      'rollup_interval',
      'rollupIntervalS',
      1,
      MAX_ROLLUP_INTERVAL_S,
      `seconds, an integer 1..${MAX_ROLLUP_INTERVAL_S}`,
    ),
    secondsRule('reporter', 'rollup_flush', 'rollupFlushMs', 1, undefined, MAX_ROLLUP_FLUSH_MS),
    integerRule(
      'reporter',
      'rollup_retention',
      'rollupRetentionS',
      MIN_RETENTION_S,
      undefined,
      `seconds, an integer >= ${MIN_RETENTION_S}`,
    ),
    integerRule(
      'reporter',
      'status_max_age',
      'statusMaxAgeS',
      MIN_RETENTION_S,
      undefined,
      `seconds, an integer >= ${MIN_RETENTION_S}`,
    ),
    ...shared(STATS_RULES, true),
  ],
  aliases: { repoter: 'reporter' },
  // The agent's `[reporter]` keys (where it sends reports), so one shell's LARS_REPORTER_* can set both.
  otherDaemonKeys: { reporter: ['ip', 'port', 'addrs', 'queue_bytes', 'stall_timeout_ms', 'resend_grace_ms'] },
};

/**
 * ReporterServerOptions from lars_reporter.conf: only the keys present (the
 * ReporterServer's DEFAULTS give the rest); an unknown section, key or LARS_
 * variable, or a value out of its range, is a LARS_BAD_CONFIG error naming
 * it; `warn` gets the `[repoter]` warning.
 */
export function reporterOptionsFromConfig(config: Config, warn?: ConfigWarn): ReporterServerOptions {
  return readDaemonConfig(config, REPORTER_CONFIG, warn).options;
}
