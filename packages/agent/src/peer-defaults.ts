// The agent's peers: how a link names one, and where the agent finds the DNS
// and the reporter when its config names neither: both on this machine, on
// their default ports. The agent's DEFAULTS and agent-config.ts (a file that
// sets only one of `ip` and `port`) share them.
import type { TcpAddress } from '@lars/reactor';

export const DEFAULT_DNS_ADDRESS: TcpAddress = Object.freeze({ host: '127.0.0.1', port: 7778 });
export const DEFAULT_REPORTER_ADDRESS: TcpAddress = Object.freeze({ host: '127.0.0.1', port: 7779 });

/** `host:port`: the `peer` label of an outbound link, and how logs name it. */
export const peerName = (a: TcpAddress): string => `${a.host}:${a.port}`;
