// One of the agent's UDP workers: serves base_port + index, owns the routes
// whose (modid + cmdid) % workers is its index, and holds their LoadBalance
// state with no lock (nothing else touches it). Route pulls and report
// snapshots go to the main thread, route replies and pushes come from it,
// through the thread pool's SharedArrayBuffer queues.
import {
  agentPortIndex,
  decodeBody,
  encodeBody,
  encodeRouteFitting,
  MessageId,
  RetCode,
  type DecodedMessageMap,
  type GetHostResponse,
  type HostInfo,
} from '@lars/proto';
import { poolWorkerContext, poolWorkerReady, poolWorkerSend, runPoolWorker, SharedCounters } from '@lars/reactor';
import { MAX_UDP_BODY_BYTES, MessageRouter, UdpServer, type UdpReplyTarget } from '@lars/wire';
import {
  keyedRecord,
  ToMain,
  ToWorker,
  WORKER_COUNTERS,
  type AgentWorkerData,
  type WorkerCounter,
} from './agent-protocol.js';
import type { LoadBalanceConfig } from './load-balance-config.js';
import { RouteBook } from './route-book.js';

const { index, data } = poolWorkerContext();
const options = data as AgentWorkerData;
const config = options.loadBalance as LoadBalanceConfig;
const counters = SharedCounters.attach(options.counters, WORKER_COUNTERS);
const toMain = poolWorkerSend();
let outputRefused = 0;
let wrongPort = 0;
let truncatedRoutes = 0;

function send(record: Uint8Array): void {
  if (!toMain(record)) outputRefused++;
}

const routes = new RouteBook(
  config,
  {
    pull: (modid, cmdid) => send(keyedRecord(ToMain.PULL, modid, cmdid)),
    report: (req) =>
      send(keyedRecord(ToMain.REPORT, req.modid ?? 0, req.cmdid ?? 0, encodeBody(MessageId.ReportStatusRequest, req))),
  },
  options.caller,
);

const owns = (modid: number, cmdid: number) => agentPortIndex(modid, cmdid) === index;

// One response object and one host object, reused: a reply is encoded before the handler returns.
const hostOut: HostInfo = { ip: 0, port: 0 };
const response: GetHostResponse = { seq: 0, modid: 0, cmdid: 0, retcode: 0, host: null };

const router = new MessageRouter<UdpReplyTarget>()
  .on(MessageId.GetHostRequest, (req, _id, conn) => {
    response.seq = req.seq;
    response.modid = req.modid;
    response.cmdid = req.cmdid;
    response.host = null;
    if (!owns(req.modid, req.cmdid)) {
      wrongPort++;
      response.retcode = RetCode.SYSTEM_ERROR;
    } else {
      const picked = routes.getHost(req.modid, req.cmdid, Date.now());
      response.retcode = picked.ret;
      if (picked.host !== null) {
        hostOut.ip = picked.host.ip;
        hostOut.port = picked.host.port;
        response.host = hostOut;
      }
    }
    conn.send(MessageId.GetHostResponse, response);
  })
  .on(MessageId.ReportRequest, (req) => {
    if (!owns(req.modid, req.cmdid)) {
      wrongPort++;
      return;
    }
    routes.report(req.modid, req.cmdid, req.host?.ip ?? 0, req.host?.port ?? 0, req.retcode, req.timecost, Date.now());
  })
  .on(MessageId.ApiGetRouteRequest, (req, _id, conn) => {
    let hosts: readonly HostInfo[] = [];
    // A LoadBalanceHost is a HostInfo as it stands: the encoder reads only ip and port.
    if (owns(req.modid, req.cmdid)) hosts = routes.getRoute(req.modid, req.cmdid, Date.now());
    else wrongPort++;
    // More hosts than one datagram holds: send the ones that fit (protocol.md), and count it.
    const fitted = encodeRouteFitting(MessageId.ApiGetRouteResponse, req.modid, req.cmdid, hosts, MAX_UDP_BODY_BYTES);
    if (fitted.served < hosts.length) truncatedRoutes++;
    conn.sendRaw(MessageId.ApiGetRouteResponse, fitted.body);
  });

const udp = new UdpServer(router, { host: options.host, port: options.basePort + index });
await udp.listen();
poolWorkerReady();

// Worker counters that are RouteBook counters and UDP counters under the same names.
const FROM_BOOK = [
  'getHost',
  'report',
  'getRoute',
  'picksSucc',
  'picksOverload',
  'picksNoexist',
  'toOverload',
  'toIdle',
  'reportsUnknownRoute',
  'reportsUnknownHost',
  'pulls',
  'routes',
  'snapshots',
] as const satisfies readonly WorkerCounter[];
const FROM_UDP = [
  'datagramsIn',
  'badFrames',
  'lengthMismatch',
  'unknownMsgid',
  'badBody',
  'tooLarge',
] as const satisfies readonly WorkerCounter[];

function publishStats(): void {
  const book = routes.counters;
  const udpStats = udp.stats();
  for (const name of FROM_BOOK) counters.set(index, name, book[name]);
  for (const name of FROM_UDP) counters.set(index, name, udpStats[name]);
  counters.set(index, 'wrongPort', wrongPort);
  counters.set(index, 'outputRefused', outputRefused);
  counters.set(index, 'truncatedRoutes', truncatedRoutes);
}

const reportTimer = setInterval(() => routes.tick(Date.now()), config.reportIntervalMs);
const statsTimer = setInterval(publishStats, options.statsIntervalMs);
reportTimer.unref();
statsTimer.unref();

await runPoolWorker((record) => {
  if (record[0] === ToWorker.ROUTE) {
    const res: DecodedMessageMap[2] = decodeBody(MessageId.GetRouteResponse, record.subarray(1));
    routes.onRouteResponse(res.modid, res.cmdid, res.host as Array<{ ip: number; port: number }>, Date.now());
  } else if (record[0] === ToWorker.DNS_CONNECTED) {
    routes.onDnsConnected(Date.now());
  }
});

// The pool is closing: send what is still unreported, then let the thread end.
clearInterval(reportTimer);
clearInterval(statsTimer);
routes.tick(Date.now());
publishStats();
await udp.close();
