import type { Config, TcpAddress } from '@lars/reactor';
import { ErrorCode, LarsError } from '@lars/wire';
import type { AgentOptions } from './agent.js';
import { loadBalanceConfigFromConfig } from './load-balance-config.js';

/**
 * `[section] addrs = host:port, host:port` when present, else the original's
 * `[section] ip` and `port`.
 */
function addresses(config: Config, section: string, defaultPort: number): TcpAddress[] {
  const list = config.getStringList(section, 'addrs', []);
  if (list.length === 0) {
    return [
      { host: config.getString(section, 'ip', '127.0.0.1'), port: config.getNumber(section, 'port', defaultPort) },
    ];
  }
  return list.map((item) => {
    const m = /^(.+):(\d{1,5})$/.exec(item);
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || port < 1 || port > 65535) {
      throw new LarsError(
        ErrorCode.BAD_CONFIG,
        `${config.source}: [${section}] addrs: ${JSON.stringify(item)} is not host:port`,
      );
    }
    return { host: m[1], port };
  });
}

/**
 * AgentOptions from lars_lb_agent.conf: the original's `[reporter] ip, port`,
 * `[dnsserver] ip, port` and `[loadbalance]` keys (an original file works
 * unchanged), plus `addrs` lists for several DNS servers / reporters,
 * `[agent] ip, base_port` and `[reporter] queue_bytes`. The caller address
 * is the original's `[loadbalance] local_ip`, this machine's first
 * non-internal IPv4 when it is not set.
 */
export function agentOptionsFromConfig(config: Config): AgentOptions {
  // The original's key for the address reported as `caller`.
  const caller = config.getString('loadbalance', 'local_ip', '');
  return {
    host: config.getString('agent', 'ip', '127.0.0.1'),
    basePort: config.getNumber('agent', 'base_port', 8888),
    dns: addresses(config, 'dnsserver', 7778),
    reporters: addresses(config, 'reporter', 7779),
    loadBalance: loadBalanceConfigFromConfig(config),
    caller: caller === '' ? undefined : caller,
    reportQueueBytes: config.getNumber('reporter', 'queue_bytes', 4 * 1024 * 1024),
  };
}
