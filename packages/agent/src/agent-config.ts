import {
  type Config,
  type ConfigRule,
  type ConfigSchema,
  type ConfigValues,
  type ConfigWarn,
  hostRule,
  integerRule,
  listRule,
  msRule,
  peerPortRule,
  readDaemonConfig,
  STATS_RULES,
  sharedRules,
  stringRule,
  type TcpAddress,
} from '@lars/reactor';
import { AGENT_PORTS, parseIpv4 } from '@lars/proto';
import { MAX_FRAME_BYTES } from '@lars/wire';
import { AgentTransport, type AgentOptions } from './agent.js';
import { LOAD_BALANCE_RULES } from './load-balance-config.js';
import { DEFAULT_DNS_ADDRESS, DEFAULT_REPORTER_ADDRESS } from './peer-defaults.js';

const TRANSPORTS: readonly string[] = Object.values(AgentTransport);

// The shared rule lists set fields AgentOptions must have (HasFields, checked per list).
const shared = sharedRules<AgentOptions>();

/** An item of `addrs`: `host:port`, the port 1..65535. */
function hostPort(text: string): { item: TcpAddress } | { why: string } {
  const m = /^([A-Za-z0-9.:_%-]+):(\d{1,5})$/.exec(text);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65535) return { why: 'is not host:port with a port 1..65535' };
  return { item: { host: m[1], port } };
}

const ADDRS_RANGE = 'host:port, host:port, ... (ports 1..65535)';

/** `ip`, `port` and `addrs` of a peer section; agentOptionsFromConfig turns them into one address list. */
function peerRules(section: 'dnsserver' | 'reporter'): ConfigRule<AgentOptions>[] {
  return [
    hostRule(section, 'ip', null),
    peerPortRule(section, 'port', null),
    listRule(section, 'addrs', null, ADDRS_RANGE, hostPort),
  ];
}

/**
 * lars_lb_agent.conf, every key the agent reads (docs/configuration.md "LB
 * agent"): the original's `[reporter]`, `[dnsserver]` and `[loadbalance]`
 * (load-balance-config.ts), Lars-TS's `addrs`, `[agent]` and timeouts, and
 * `[stats]`.
 */
export const AGENT_CONFIG: ConfigSchema<AgentOptions> = {
  daemon: 'lars-agent',
  rules: [
    ...peerRules('dnsserver'),
    msRule('dnsserver', 'pull_timeout_ms', 'pullTimeoutMs', 1),
    ...peerRules('reporter'),
    // ReportQueue's floor, two frames of the largest size; 1 GiB is far past any sensible backlog.
    integerRule('reporter', 'queue_bytes', 'reportQueueBytes', 2 * MAX_FRAME_BYTES, 2 ** 30),
    msRule('reporter', 'stall_timeout_ms', 'reporterStallTimeoutMs', 0, 'never'),
    msRule('reporter', 'resend_grace_ms', 'reportGraceMs', 0),
    ...shared(LOAD_BALANCE_RULES, true),
    // The original's key for the address reported as `caller`; empty: this machine's first non-internal IPv4.
    stringRule(
      'loadbalance',
      'local_ip',
      'caller',
      'an IPv4 dotted quad, or empty',
      (v) => v === '' || parseIpv4(v) >= 0,
    ),
    integerRule('loadbalance', 'max_routes', 'maxRoutes', 1, 0x7fffffff),
    integerRule('loadbalance', 'pull_rate', 'pullRatePerSecond', 1),
    hostRule('agent', 'ip', 'host'),
    // The three UDP ports are base_port, +1, +2; 0: any free ports.
    integerRule('agent', 'base_port', 'basePort', 0, 65533),
    stringRule('agent', 'transport', 'transport', 'auto, native or dgram', (v) => TRANSPORTS.includes(v)),
    integerRule('agent', 'threads', 'threads', 0, AGENT_PORTS),
    ...shared(STATS_RULES, true),
  ],
  // The reporter daemon's `[reporter]` keys, so one shell's LARS_REPORTER_* can set both.
  otherDaemonKeys: {
    reporter: [
      'db_thread_cnt',
      'batch_size',
      'close_timeout',
      'max_statement_bytes',
      'lock_wait_timeout',
      'rollup',
      'rollup_interval',
      'rollup_flush',
      'rollup_retention',
      'status_max_age',
    ],
  },
};

/**
 * `[section] addrs` when present, else the original's `ip` and `port` (a
 * missing one from the default address), else nothing: the Agent's default.
 */
function addresses(values: ConfigValues, section: string, fallback: TcpAddress): TcpAddress[] | undefined {
  const list = values.get(`${section} addrs`) as TcpAddress[] | undefined;
  if (list !== undefined && list.length > 0) return list;
  const host = values.get(`${section} ip`) as string | undefined;
  const port = values.get(`${section} port`) as number | undefined;
  if (host === undefined && port === undefined) return undefined;
  return [{ host: host ?? fallback.host, port: port ?? fallback.port }];
}

/**
 * AgentOptions from lars_lb_agent.conf: only the keys present (the Agent's
 * DEFAULTS give the rest); an unknown section, key or LARS_ variable, or a
 * value out of its range, is a LARS_BAD_CONFIG error naming it. When `addrs`
 * is set, `ip` and `port` of that section are checked but not used.
 */
export function agentOptionsFromConfig(config: Config, warn?: ConfigWarn): AgentOptions {
  const { options, values } = readDaemonConfig(config, AGENT_CONFIG, warn);
  const out: AgentOptions = { ...options };
  const dns = addresses(values, 'dnsserver', DEFAULT_DNS_ADDRESS);
  const reporters = addresses(values, 'reporter', DEFAULT_REPORTER_ADDRESS);
  if (dns !== undefined) out.dns = dns;
  if (reporters !== undefined) out.reporters = reporters;
  if (out.caller === '') delete out.caller;
  return out;
}
