import { AGENT_PORTS, agentPortIndex, decodeBody, encodeBody, MessageId, RetCode } from '@lars/proto';
import type { DecodedMessageMap } from '@lars/proto';
import { SharedCounters, SharedHistogram } from '@lars/reactor';
import { DispatchOutcome, MessageRouter, SendOutcome, UdpServer } from '@lars/wire';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AgentCore,
  type AgentCoreOptions,
  type AgentReplyTarget,
  DEFAULT_LATENCY_SAMPLE_EVERY,
} from '../src/agent-core.js';
import { WORKER_COUNTER_NAMES, WORKER_COUNTERS, workerCounterRow } from '../src/agent-counters.js';
import { DNS_CONNECTED_RECORD, recordKey, routeRecord, ToMain } from '../src/agent-protocol.js';
import { LOAD_BALANCE_DEFAULTS } from '../src/load-balance-config.js';
import { RouteBook } from '../src/route-book.js';

const IP = 3232235953; // 192.168.1.177
const CALLER = 2130706433; // 127.0.0.1

/** A reply target that keeps what the core sent. */
class FakeTarget implements AgentReplyTarget {
  readonly sent: Array<{ msgid: number; body: Uint8Array }> = [];
  sendRaw(msgid: number, body: Uint8Array): SendOutcome {
    this.sent.push({ msgid, body: Uint8Array.from(body) });
    return SendOutcome.SENT;
  }
  /** The last reply, decoded as a GetHostResponse. */
  lastHost(): DecodedMessageMap[5] {
    const last = this.sent[this.sent.length - 1];
    expect(last.msgid).toBe(MessageId.GetHostResponse);
    return decodeBody(MessageId.GetHostResponse, last.body);
  }
  lastRoute(): DecodedMessageMap[8] {
    const last = this.sent[this.sent.length - 1];
    expect(last.msgid).toBe(MessageId.ApiGetRouteResponse);
    return decodeBody(MessageId.ApiGetRouteResponse, last.body);
  }
}

/** A core of worker `index` with a "to main" sink that keeps records (refusing them while `refuse` is set). */
function make(index: number, options: Partial<AgentCoreOptions> = {}) {
  const toMain: Uint8Array[] = [];
  const sink = { refuse: false };
  const core = new AgentCore({
    index,
    loadBalance: { ...LOAD_BALANCE_DEFAULTS },
    caller: CALLER,
    toMain: (record) => {
      if (sink.refuse) return false;
      toMain.push(record);
      return true;
    },
    ...options,
  });
  const pulls = () => toMain.filter((r) => r[0] === ToMain.PULL).map((r) => recordKey(r));
  const reports = () =>
    toMain.filter((r) => r[0] === ToMain.REPORT).map((r) => decodeBody(MessageId.ReportStatusRequest, r.subarray(9)));
  return { core, toMain, sink, pulls, reports, conn: new FakeTarget() };
}

/** The main thread forwarding a DNS reply or push for (modid, cmdid) with hosts on `ports`. */
function pushRoute(core: AgentCore, modid: number, cmdid: number, ...ports: number[]): void {
  const host = ports.map((port) => ({ ip: IP, port }));
  core.onMainRecord(routeRecord(core.index, encodeBody(MessageId.GetRouteResponse, { modid, cmdid, host })));
}

/** A key that worker `index` owns, and one it does not. */
const OWNED = { modid: 1, cmdid: 2 }; // (1 + 2) % 3 = 0
const OTHERS = { modid: 1, cmdid: 1 }; // (1 + 1) % 3 = 2

describe('AgentCore', () => {
  it('serves only the keys its index owns: another port gets SYSTEM_ERROR, its reports and routes are dropped', () => {
    expect(agentPortIndex(OWNED.modid, OWNED.cmdid)).toBe(0);
    expect(agentPortIndex(OTHERS.modid, OTHERS.cmdid)).toBe(2);
    const { core, conn, toMain } = make(0);
    expect(core.owns(OWNED.modid, OWNED.cmdid)).toBe(true);
    expect(core.owns(OTHERS.modid, OTHERS.cmdid)).toBe(false);

    core.getHost({ seq: 5, ...OTHERS }, conn);
    expect(conn.lastHost()).toMatchObject({ seq: 5, ...OTHERS, retcode: RetCode.SYSTEM_ERROR, host: null });
    core.report({ ...OTHERS, host: { ip: IP, port: 1 }, retcode: 0, timecost: 3 });
    core.getRoute(OTHERS, conn);
    expect(conn.lastRoute()).toMatchObject({ ...OTHERS, host: [] });

    expect(core.counters).toEqual({ wrongPort: 3, truncatedRoutes: 0, outputRefused: 0 });
    // Nothing reached the RouteBook, nothing was pulled.
    expect(core.book.counters).toMatchObject({ getHost: 0, report: 0, getRoute: 0, routes: 0, pulls: 0 });
    expect(toMain).toEqual([]);
  });

  it('answers get_host NOEXIST and pulls a new key, SUCC in round robin once the route is pushed, with exact counters', () => {
    const { core, conn, pulls } = make(0);
    core.getHost({ seq: 1, ...OWNED }, conn);
    expect(conn.lastHost()).toMatchObject({ seq: 1, ...OWNED, retcode: RetCode.NOEXIST, host: null });
    expect(pulls()).toEqual([OWNED]);

    pushRoute(core, OWNED.modid, OWNED.cmdid, 7001, 7002, 7003);
    const ports: number[] = [];
    for (let seq = 2; seq <= 7; seq++) {
      core.getHost({ seq, ...OWNED }, conn);
      const reply = conn.lastHost();
      expect(reply).toMatchObject({ seq, retcode: RetCode.SUCC, host: { ip: IP } });
      ports.push(reply.host?.port ?? 0);
    }
    expect(ports).toEqual([7001, 7002, 7003, 7001, 7002, 7003]);
    expect(pulls()).toEqual([OWNED]);
    expect(core.book.counters).toMatchObject({
      getHost: 7,
      picksSucc: 6,
      picksNoexist: 1,
      picksOverload: 0,
      pulls: 1,
      routes: 1,
    });
    expect(core.counters).toEqual({ wrongPort: 0, truncatedRoutes: 0, outputRefused: 0 });
  });

  it('answers OVERLOAD while its only host is overloaded, and probes it on the 11th get_host', () => {
    const { core, conn } = make(0, { loadBalance: { ...LOAD_BALANCE_DEFAULTS, continErrLimit: 1 } });
    core.getHost({ seq: 0, ...OWNED }, conn);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 9000);
    core.report({ ...OWNED, host: { ip: IP, port: 9000 }, retcode: 1, timecost: 0 });
    const rets: number[] = [];
    for (let i = 0; i < 11; i++) {
      core.getHost({ seq: i, ...OWNED }, conn);
      rets.push(conn.lastHost().retcode);
    }
    expect(rets).toEqual([...Array<number>(10).fill(RetCode.OVERLOAD), RetCode.SUCC]);
    expect(conn.lastHost().host).toMatchObject({ ip: IP, port: 9000 });
    expect(core.book.counters).toMatchObject({
      getHost: 12,
      picksNoexist: 1,
      picksOverload: 10,
      picksSucc: 1,
      toOverload: 1,
      reportsOk: 1,
    });
  });

  it('counts reports to an unknown route and to a host the route does not hold', () => {
    const { core, conn } = make(0);
    core.report({ ...OWNED, host: { ip: IP, port: 1 }, retcode: 0, timecost: 0 });
    expect(core.book.counters).toMatchObject({ report: 1, reportsUnknownRoute: 1, reportsUnknownHost: 0 });
    core.getHost({ seq: 0, ...OWNED }, conn);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1);
    core.report({ ...OWNED, host: { ip: IP, port: 2 }, retcode: 0, timecost: 0 });
    // An absent host reads as 0.0.0.0:0, which no route holds.
    core.report({ ...OWNED, host: null, retcode: 0, timecost: 0 });
    core.report({ ...OWNED, host: { ip: IP, port: 1 }, retcode: 0, timecost: 0 });
    expect(core.book.counters).toMatchObject({
      report: 4,
      reportsUnknownRoute: 1,
      reportsUnknownHost: 2,
      reportsOk: 1,
    });
    expect(core.counters.wrongPort).toBe(0);
  });

  it('answers API_GetRoute with every host, pulling an unknown key, and cuts a route too large for a datagram', () => {
    const { core, conn, pulls } = make(0);
    core.getRoute(OWNED, conn);
    expect(conn.lastRoute()).toMatchObject({ ...OWNED, host: [] });
    expect(pulls()).toEqual([OWNED]);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1, 2);
    core.getRoute(OWNED, conn);
    expect(conn.lastRoute().host.map((h) => h.port)).toEqual([1, 2]);
    expect(core.counters.truncatedRoutes).toBe(0);

    const big = { modid: 3, cmdid: 3 }; // (3 + 3) % 3 = 0
    core.getRoute(big, conn);
    pushRoute(core, big.modid, big.cmdid, ...Array.from({ length: 6000 }, (_, i) => 10_000 + i));
    core.getRoute(big, conn);
    const served = conn.lastRoute().host.length;
    expect(served).toBeGreaterThan(3000);
    expect(served).toBeLessThan(6000);
    expect(conn.sent[conn.sent.length - 1].body.length).toBeLessThanOrEqual(65507 - 8);
    expect(core.counters.truncatedRoutes).toBe(1);
    expect(core.book.counters.getRoute).toBe(4);
  });

  it('takes pushed routes from the main thread: hosts change with no new pull, an untracked key is ignored', () => {
    const { core, conn, pulls } = make(0);
    core.getHost({ seq: 0, ...OWNED }, conn);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1, 2);
    core.getRoute(OWNED, conn);
    expect(conn.lastRoute().host.map((h) => h.port)).toEqual([1, 2]);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 2);
    core.getRoute(OWNED, conn);
    expect(conn.lastRoute().host.map((h) => h.port)).toEqual([2]);
    pushRoute(core, 6, 6, 1);
    expect(core.book.counters).toMatchObject({ responsesIgnored: 1, routes: 1 });
    expect(pulls()).toEqual([OWNED]);
    // The DNS reconnected: every tracked key is pulled again.
    core.onMainRecord(DNS_CONNECTED_RECORD);
    expect(pulls()).toEqual([OWNED, OWNED]);
  });

  it('sends report snapshots to the main thread on tick, and counts records the queue refused', () => {
    let now = 1_000_000;
    const { core, conn, sink, reports, pulls } = make(0, { now: () => now });
    core.getHost({ seq: 0, ...OWNED }, conn);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1);
    core.report({ ...OWNED, host: { ip: IP, port: 1 }, retcode: 0, timecost: 0 });
    now += 1000;
    core.tick();
    expect(reports()).toEqual([
      expect.objectContaining({ ...OWNED, caller: CALLER, ts: 1001, results: [expect.objectContaining({ succ: 1 })] }),
    ]);
    sink.refuse = true;
    core.getHost({ seq: 0, modid: 9, cmdid: 9 }, conn); // a new key: its pull is refused
    core.report({ ...OWNED, host: { ip: IP, port: 1 }, retcode: 0, timecost: 0 });
    core.tick(); // its snapshot is refused, and so is the retry of the refused pull
    expect(core.counters.outputRefused).toBe(3);
    expect(core.book.counters).toMatchObject({ pulls: 3, snapshots: 2 });
    sink.refuse = false;
    core.tick(); // the pull is retried until the queue takes it
    expect(pulls()).toEqual([OWNED, { modid: 9, cmdid: 9 }]);
    expect(core.counters.outputRefused).toBe(3);
  });

  it('answers raw bodies through a registered router byte for byte (the golden frames of protocol.md)', () => {
    const { core, conn } = make(0);
    const router = core.register(new MessageRouter<FakeTarget>());
    const dispatch = (msgid: number, hex: string) => router.dispatch(msgid, Buffer.from(hex, 'hex'), conn);
    const lastHex = () => Buffer.from(conn.sent[conn.sent.length - 1].body).toString('hex');
    // GetHostRequest {seq 9, modid 9, cmdid 9}: no route -> NOEXIST.
    expect(dispatch(MessageId.GetHostRequest, '080910091809')).toBe(DispatchOutcome.HANDLED);
    expect(lastHex()).toBe('0809100918092003');
    dispatch(MessageId.GetHostRequest, '080710011802');
    core.onMainRecord(
      routeRecord(core.index, encodeBody(MessageId.GetRouteResponse, { ...OWNED, host: [{ ip: IP, port: 7777 }] })),
    );
    dispatch(MessageId.GetHostRequest, '080710011802');
    expect(lastHex()).toBe('0807100118022a0e08b183a085fcffffffff0110e13c');
    dispatch(MessageId.ApiGetRouteRequest, '08011002');
    expect(lastHex()).toBe('080110021a0e08b183a085fcffffffff0110e13c');
    const report = encodeBody(MessageId.ReportRequest, { ...OWNED, host: { ip: IP, port: 7777 }, retcode: 1 });
    expect(dispatch(MessageId.ReportRequest, Buffer.from(report).toString('hex'))).toBe(DispatchOutcome.HANDLED);
    expect(core.book.counters).toMatchObject({ report: 1, reportsOk: 1 });
    expect(dispatch(MessageId.GetHostRequest, 'ffffff')).toBe(DispatchOutcome.BAD_BODY);
    expect(dispatch(99, '')).toBe(DispatchOutcome.UNKNOWN_MSGID);
  });

  it('records one get_host service time per request in its row when given a histogram, and none without', () => {
    const latency = SharedHistogram.create(AGENT_PORTS);
    const { core, conn } = make(0, { latency, latencySampleEvery: 1 });
    core.getHost({ seq: 0, ...OWNED }, conn);
    pushRoute(core, OWNED.modid, OWNED.cmdid, 1);
    for (let i = 0; i < 5; i++) core.getHost({ seq: i, ...OWNED }, conn);
    core.getHost({ seq: 0, ...OTHERS }, conn);
    core.report({ ...OWNED, host: { ip: IP, port: 1 }, retcode: 0, timecost: 0 });
    core.getRoute(OWNED, conn);
    const s = latency.snapshot();
    expect(s.rows.map((r) => r.count)).toEqual([7, 0, 0]);
    expect(s.sum).toBeGreaterThan(0);

    const other = make(0);
    other.core.getHost({ seq: 0, ...OWNED }, other.conn);
    expect(latency.snapshot().count).toBe(7);
    expect(() => make(1, { latency: SharedHistogram.create(1) })).toThrow(/latency/);
    expect(() => make(0, { latency, latencySampleEvery: 0 })).toThrow(/latencySampleEvery/);
  });

  it('times a steady sample of get_hosts: the first, then one in latencySampleEvery (DEFAULT_LATENCY_SAMPLE_EVERY by default)', () => {
    const every3 = SharedHistogram.create(1);
    const a = make(0, { latency: every3, latencySampleEvery: 3 });
    for (let i = 0; i < 7; i++) a.core.getHost({ seq: i, ...OWNED }, a.conn);
    expect(every3.snapshot().count).toBe(3); // calls 1, 4 and 7
    const byDefault = SharedHistogram.create(1);
    const b = make(0, { latency: byDefault });
    for (let i = 0; i < 2 * DEFAULT_LATENCY_SAMPLE_EVERY + 1; i++) b.core.getHost({ seq: i, ...OWNED }, b.conn);
    expect(byDefault.snapshot().count).toBe(3); // the first call, then one in DEFAULT_LATENCY_SAMPLE_EVERY
  });
});

describe('worker counters', () => {
  const udp = new UdpServer(new MessageRouter());
  afterAll(() => udp.close());

  it('list every RouteBook, UdpServer and core counter exactly once', () => {
    const book = new RouteBook({ ...LOAD_BALANCE_DEFAULTS }, { pull: () => true, report: () => {} }, CALLER);
    const core = make(0).core;
    const names = (from: string) =>
      WORKER_COUNTERS.filter((c) => c.from === from)
        .map((c) => c.name)
        .sort();
    expect(names('book')).toEqual(Object.keys(book.counters).sort());
    expect(names('udp')).toEqual(Object.keys(udp.stats()).sort());
    expect(names('core')).toEqual(Object.keys(core.counters).sort());
    expect(new Set(WORKER_COUNTER_NAMES).size).toBe(WORKER_COUNTERS.length);
    for (const c of WORKER_COUNTERS) expect(c.help.length, c.name).toBeGreaterThan(0);
  });

  it('are published into the worker row of SharedCounters from the book, the UDP server and the core', () => {
    const shared = SharedCounters.create(AGENT_PORTS, WORKER_COUNTER_NAMES);
    const { core, conn, sink } = make(1);
    const key = { modid: 1, cmdid: 0 }; // (1 + 0) % 3 = 1
    core.getHost({ seq: 0, ...key }, conn);
    core.getHost({ seq: 0, ...OWNED }, conn); // wrong port
    sink.refuse = true;
    core.getHost({ seq: 0, modid: 2, cmdid: 2 }, conn); // pull refused
    core.publish(shared, { ...udp.stats(), datagramsIn: 3, handlerErrors: 4, sendErrors: 5 });
    expect(workerCounterRow(shared, 0).getHost).toBe(0);
    expect(workerCounterRow(shared, 1)).toMatchObject({
      getHost: 2,
      picksNoexist: 2,
      pulls: 2,
      routes: 2,
      wrongPort: 1,
      outputRefused: 1,
      datagramsIn: 3,
      handlerErrors: 4,
      sendErrors: 5,
      reportsOk: 0,
    });
  });
});
