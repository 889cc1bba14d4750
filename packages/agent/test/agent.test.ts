import { createSocket } from 'node:dgram';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetCode } from '@lars/proto';
import { UdpTransportKind } from '@lars/wire';
import { AGENT_TRANSPORTS, transportStat } from '../../../test-support/agent-transports.js';
import { until } from '../../../test-support/wait.js';
import { AgentSystem } from './agent-system.js';

/** Sends one raw datagram from a fresh socket (as an original C++ client would) and returns the reply's hex. */
function exchange(port: number, hex: string): Promise<string> {
  const socket = createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${hex}`)), 5000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.toString('hex'));
    });
    socket.send(Buffer.from(hex, 'hex'), port, '127.0.0.1');
  }).finally(() => socket.close());
}

describe.each(AGENT_TRANSPORTS)('agent with the real DNS, reporter and MariaDB (%s transport)', (transport) => {
  // One system per transport; each test uses its own route keys.
  const sys = new AgentSystem();
  beforeAll(() =>
    sys.start({
      transport,
      loadBalance: { overloadTimeoutMs: 1000, updateTimeoutMs: 3_600_000, reportIntervalMs: 100 },
    }),
  );
  afterAll(() => sys.stop());

  const stats = () => sys.agent.stats() as Record<string, number>;

  async function firstSucc(modid: number, cmdid: number): Promise<string> {
    let host: string | undefined;
    await until(async () => {
      const a = await sys.client.getHost(modid, cmdid);
      host = a.host;
      return a.ret === RetCode.SUCC;
    }, `a host for ${modid}/${cmdid}`);
    return host!;
  }

  it('runs on the transport it was given, and says so in /stats', () => {
    expect(sys.agent.transport).toBe(transport);
    expect(sys.agent.stats().transport).toEqual(transportStat(transport));
  });

  it('answers NOEXIST for the first get_host of a new key, then hosts in round robin', async () => {
    await sys.addHosts(10, 1, '10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3');
    expect((await sys.client.getHost(10, 1)).ret).toBe(RetCode.NOEXIST);
    await firstSucc(10, 1);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push((await sys.client.getHost(10, 1)).host!);
    expect(new Set(seen)).toEqual(new Set(['10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3']));
    // Round robin: each host once in every three consecutive picks.
    for (let i = 0; i + 3 <= seen.length; i += 3) expect(new Set(seen.slice(i, i + 3)).size).toBe(3);
    expect(await sys.client.getRoute(10, 1)).toEqual(['10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3']);
  });

  it('a key with no route answers NOEXIST; hosts added later arrive by push, with no new request', async () => {
    expect((await sys.client.getHost(20, 2)).ret).toBe(RetCode.NOEXIST);
    await until(() => (sys.dns.stats().subscribedKeys as number) > 0 && stats().pullsSent > 0, 'the pull');
    await new Promise((r) => setTimeout(r, 300));
    expect((await sys.client.getHost(20, 2)).ret).toBe(RetCode.NOEXIST);
    const dnsRequests = sys.dns.stats().requests as number;
    await sys.addHosts(20, 2, '10.0.2.1:2000');
    expect(await firstSucc(20, 2)).toBe('10.0.2.1:2000');
    expect(sys.dns.stats().requests).toBe(dnsRequests);
  });

  it('a route change committed in MySQL reaches the agent by push, long before update_timeout', async () => {
    await sys.addHosts(30, 3, '10.0.3.1:3000');
    await sys.client.getHost(30, 3);
    expect(await firstSucc(30, 3)).toBe('10.0.3.1:3000');
    await sys.addHosts(30, 3, '10.0.3.2:3001');
    await until(async () => (await sys.client.getRoute(30, 3)).length === 2, 'the pushed host');
    const picks = new Set<string>();
    for (let i = 0; i < 4; i++) picks.add((await sys.client.getHost(30, 3)).host!);
    expect(picks).toEqual(new Set(['10.0.3.1:3000', '10.0.3.2:3001']));
  });

  it('keeps one rotation through reports and get_routes; on native the socket thread answers every get_host', async () => {
    await sys.addHosts(60, 6, '10.0.6.1:6000', '10.0.6.2:6001', '10.0.6.3:6002');
    await sys.client.getHost(60, 6);
    await firstSucc(60, 6);
    // Every get_host of this suite so far came from sys.client: once all are published, the counts are a baseline.
    await until(() => stats().getHostRequests === sys.client.getHostsSent, 'every get_host so far published');
    const before = stats();
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      seen.push((await sys.client.getHost(60, 6)).host!);
      // JavaScript takes the route in between, at picks that are not a whole
      // turn of the three hosts: a report (waited for), a get_route.
      if (i === 3) {
        sys.client.report(60, 6, seen[i], 0);
        await until(() => stats().reportsOk > before.reportsOk, 'the report applied');
      }
      if (i === 7) expect(await sys.client.getRoute(60, 6)).toHaveLength(3);
    }
    for (let i = 0; i + 3 < seen.length; i++) expect(seen[i + 3]).toBe(seen[i]);
    expect(new Set(seen.slice(0, 3)).size).toBe(3);
    await until(
      () => stats().getHostRequests - before.getHostRequests === 12 && stats().reportsOk > before.reportsOk,
      'the 12 get_hosts and the report published',
    );
    const s = stats();
    expect(s.picksSucc - before.picksSucc).toBe(12);
    expect(s.picksInThread - before.picksInThread).toBe(transport === UdpTransportKind.NATIVE ? 12 : 0);
  });

  it('takes a failing host out of rotation, reports overload, probes it back after overload_timeout', async () => {
    await sys.addHosts(40, 4, '10.0.4.1:4000', '10.0.4.2:4001', '10.0.4.3:4002');
    await sys.client.getHost(40, 4);
    await firstSucc(40, 4);
    const bad = '10.0.4.2:4001';
    const before = stats().toOverload;
    // contin_err_limit (15) failures in a row: overloaded.
    for (let i = 0; i < 15; i++) sys.client.report(40, 4, bad, 1);
    await until(() => stats().toOverload > before, 'the overload transition');
    const picks: string[] = [];
    for (let i = 0; i < 10; i++) picks.push((await sys.client.getHost(40, 4)).host!);
    expect(picks).not.toContain(bad);
    await until(async () => {
      const [rows] = await sys.db.admin.query<RowDataPacket[]>(
        "SELECT overload FROM ServerCallStatus WHERE modid = 40 AND cmdid = 4 AND ip = INET_ATON('10.0.4.2') AND port = 4001",
      );
      return rows.length === 1 && rows[0].overload === '1';
    }, "ServerCallStatus overload '1' for the failing host");
    // After overload_timeout (1 s here) the next pick finds it idle again: it is back in rotation.
    const toIdle = stats().toIdle;
    await new Promise((r) => setTimeout(r, 1100));
    const later: string[] = [];
    for (let i = 0; i < 6; i++) later.push((await sys.client.getHost(40, 4)).host!);
    expect(later).toContain(bad);
    await until(() => stats().toIdle > toIdle, 'the return to idle');
  });

  it('answers an original client byte for byte: the golden frames of protocol.md', async () => {
    // GetHostRequest {seq 9, modid 9, cmdid 9}: a key with no route -> NOEXIST, zero fields left out.
    expect(await exchange(sys.basePort + 0, '0400000006000000080910091809')).toBe('05000000080000000809100918092003');
    await sys.addHosts(1, 2, '192.168.1.177:7777');
    await firstSucc(1, 2);
    // GetHostRequest {seq 7, modid 1, cmdid 2} -> the golden GetHostResponse (port (1 + 2) % 3 = base + 0).
    expect(await exchange(sys.basePort + 0, '0400000006000000080710011802')).toBe(
      '05000000160000000807100118022a0e08b183a085fcffffffff0110e13c',
    );
    // API_GetRouteRequest {modid 1, cmdid 2} -> the golden API_GetRouteResponse.
    expect(await exchange(sys.basePort + 0, '070000000400000008011002')).toBe(
      '0800000014000000080110021a0e08b183a085fcffffffff0110e13c',
    );
  });

  it('drops and counts malformed datagrams on every port, and keeps answering', async () => {
    await sys.addHosts(50, 5, '10.0.5.1:5000');
    await sys.client.getHost(50, 5);
    await firstSucc(50, 5);
    const before = stats();
    const raw = createSocket('udp4');
    const send = (port: number, hex: string) =>
      new Promise<void>((resolve, reject) =>
        raw.send(Buffer.from(hex, 'hex'), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
    for (let i = 0; i < 3; i++) {
      const port = sys.basePort + i;
      await send(port, '0400'); // shorter than a header
      await send(port, '040000000500000008'); // msglen 5, 1 byte of body
      await send(port, '04000000ffffffff'); // msglen -1
      await send(port, '6300000000000000'); // msgid 99
      await send(port, '0400000003000000ffffff'); // undecodable GetHostRequest
    }
    raw.close();
    await until(() => {
      const s = stats();
      return (
        s.badFrames - before.badFrames === 6 &&
        s.lengthMismatch - before.lengthMismatch === 3 &&
        s.unknownMsgid - before.unknownMsgid === 3 &&
        s.badBody - before.badBody === 3
      );
    }, 'every malformed datagram counted');
    expect((await sys.client.getHost(50, 5)).host).toBe('10.0.5.1:5000');
  });
});
