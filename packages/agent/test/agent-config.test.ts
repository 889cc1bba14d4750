// lars_lb_agent.conf through the agent's rules table (agent-config.ts): only
// the keys present come back, peers' ports must be real ports, mistakes are
// errors naming file, section and key; and the agent process refuses them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@lars/reactor';
import { describe, expect, it } from 'vitest';
import { badConfigError, exitOrServe } from '../../../test-support/config-checks.js';
import { startDaemonProcess } from '../../../test-support/daemon-process.js';
import { freePort } from '../../../test-support/ports.js';
import { REPO_ROOT } from '../../../test-support/repo-paths.js';
import { agentOptionsFromConfig } from '../src/agent-config.js';

const FILE = 'conf/lars_lb_agent.conf';
const ORIGINAL = readFileSync(new URL('./fixtures/original-lars-lb-agent.conf', import.meta.url), 'utf8');

const options = (text: string, env: Record<string, string> = {}) =>
  agentOptionsFromConfig(new Config(text, { source: FILE, env }));

describe('agentOptionsFromConfig', () => {
  it('an empty file sets no option: the Agent DEFAULTS decide', () => {
    expect(options('')).toEqual({});
  });

  it('reads the shipped file and an original lars_lb_agent.conf', () => {
    const shipped = agentOptionsFromConfig(Config.load(join(REPO_ROOT, FILE), { env: {} }));
    expect(shipped).toMatchObject({ host: '127.0.0.1', basePort: 8888, reportQueueBytes: 4194304 });
    // `local_ip =` (empty) leaves the caller to the agent.
    expect(shipped.caller).toBeUndefined();
    const original = options(ORIGINAL);
    expect(original).toMatchObject({
      dns: [{ host: '127.0.0.1', port: 7778 }],
      reporters: [{ host: '127.0.0.1', port: 7779 }],
      caller: '127.0.0.1',
    });
    expect(original.loadBalance).toMatchObject({ probeNum: 12, updateTimeoutMs: 18_000 });
    // Keys the original file does not have are not in the options.
    expect(original.loadBalance).not.toHaveProperty('timecostUnitMs');
  });

  it('addrs wins over ip and port; one of ip and port takes the other from the default address', () => {
    expect(options('[dnsserver]\naddrs = a:1, b:2\nport = 9\n').dns).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(options('[reporter]\nport = 7000\n').reporters).toEqual([{ host: '127.0.0.1', port: 7000 }]);
  });

  it('rejects queue_bytes = 10 as `file: [section] key = value` with the range, not the option name', () => {
    const err = badConfigError(() => options('[reporter]\nqueue_bytes = 10\n'));
    expect(err.message).toBe(
      `${FILE}: [reporter] queue_bytes = 10 is out of range: allowed an integer 131070..1073741824`,
    );
    expect(err.message).not.toContain('reportQueueBytes');
  });

  it('reads [agent] transport and threads, and names the allowed values of a bad one', () => {
    expect(options('[agent]\ntransport = dgram\nthreads = 3\n')).toEqual({ transport: 'dgram', threads: 3 });
    expect(badConfigError(() => options('[agent]\ntransport = fast\n')).message).toBe(
      `${FILE}: [agent] transport = fast is out of range: allowed auto, native or dgram`,
    );
    expect(badConfigError(() => options('[agent]\nthreads = 4\n')).message).toBe(
      `${FILE}: [agent] threads = 4 is out of range: allowed an integer 0..3`,
    );
  });

  it("rejects a peer's port 0, in ip/port and in addrs", () => {
    expect(badConfigError(() => options('[dnsserver]\nport = 0\n')).message).toBe(
      `${FILE}: [dnsserver] port = 0 is out of range: allowed a port 1..65535`,
    );
    expect(badConfigError(() => options('[reporter]\nport = 0\n')).message).toContain(
      '[reporter] port = 0 is out of range',
    );
    expect(badConfigError(() => options('[dnsserver]\naddrs = a:7778, b:0\n')).message).toBe(
      `${FILE}: [dnsserver] addrs = a:7778, b:0 is out of range ("b:0" is not host:port with a port 1..65535): ` +
        'allowed host:port, host:port, ... (ports 1..65535)',
    );
  });

  it('rejects [mysq1] (the agent has no [mysql]) and an unknown key, naming the nearest', () => {
    expect(badConfigError(() => options('[mysq1]\ndb_host = x\n')).message).toMatch(
      /^conf\/lars_lb_agent\.conf: unknown section \[mysq1\] \(keys db_host\) for lars-agent; the nearest is /,
    );
    expect(badConfigError(() => options('[loadbalance]\nprobe_nun = 3\n')).message).toMatch(
      /^conf\/lars_lb_agent\.conf: \[loadbalance\] probe_nun: unknown key; the nearest is probe_num /,
    );
    expect(badConfigError(() => options('[loadbalance]\nlocal_ip = host.example\n')).message).toBe(
      `${FILE}: [loadbalance] local_ip = host.example is out of range: allowed an IPv4 dotted quad, or empty`,
    );
  });

  it("rejects an unknown LARS_ variable of its sections; the reporter daemon's [reporter] keys are the reporter's", () => {
    expect(badConfigError(() => options('', { LARS_DNSSERVER_PROT: '1' })).message).toMatch(
      /^environment LARS_DNSSERVER_PROT: lars-agent has no \[dnsserver\] key of that name; the nearest is LARS_DNSSERVER_PORT/,
    );
    expect(options('', { LARS_REPORTER_DB_THREAD_CNT: '2', LARS_REACTOR_PORT: '1', LARS_MYSQL_DB_PORT: '1' })).toEqual(
      {},
    );
  });
});

describe('lars-agent [stats] ip', () => {
  /** The address the stats endpoint of an agent run with `stats` bound to, from its log line. */
  async function statsAddress(stats: string): Promise<string> {
    const conf = `[agent]\nbase_port = 0\n[dnsserver]\nport = ${await freePort()}\n[reporter]\nport = ${await freePort()}\n${stats}`;
    const agent = startDaemonProcess('packages/agent/src/main.ts', conf);
    try {
      await agent.waitForOutput('stats endpoint listening');
      const line = agent
        .output()
        .split('\n')
        .find((l) => l.includes('stats endpoint listening')) as string;
      return (JSON.parse(line) as { address: string }).address;
    } finally {
      await agent.stop('SIGTERM');
    }
  }

  it('binds the stats endpoint to loopback by default, to [stats] ip when set', async () => {
    expect(await statsAddress(`[stats]\nport = ${await freePort()}\n`)).toBe('127.0.0.1');
    expect(await statsAddress(`[stats]\nport = ${await freePort()}\nip = 127.0.0.2\n`)).toBe('127.0.0.2');
  });
});

describe('lars-agent with a mistaken config', () => {
  it('exits 1 at start on queue_bytes = 10, naming file, section, key and range', async () => {
    const conf = `[agent]\nbase_port = 0\n[reporter]\nqueue_bytes = 10\n[stats]\nport = ${await freePort()}\n`;
    const agent = startDaemonProcess('packages/agent/src/main.ts', conf);
    try {
      expect(await exitOrServe(agent)).toBe(1);
      expect(agent.output()).toContain(
        'daemon.conf: [reporter] queue_bytes = 10 is out of range: allowed an integer 131070..1073741824',
      );
    } finally {
      await agent.stop('SIGKILL');
    }
  });
});
