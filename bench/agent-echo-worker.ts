// One port of the agent benchmark's floor: a bare dgram socket that answers
// like an agent that always has the same host, without being one. It reads
// one byte (the low byte of the msgid) and appends precomputed bytes: a
// GetHostRequest {seq, modid, cmdid} comes back as a GetHostResponse (the
// same field numbers) with a host; an API_GetRouteRequest {modid, cmdid} as
// an API_GetRouteResponse with that host; anything else (reports) is
// dropped. No frame check, no protobuf decode, no load balancing: the
// transport's cost, with the same datagrams the agent would send, so the
// qps tool's client does the same work on both sides.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { MessageId } from '@lars/proto';

export interface EchoWorkerData {
  host: string;
  port: number;
}

const { host, port } = workerData as EchoWorkerData;
const socket = createSocket('udp4');

// HostInfo {ip: 192.168.1.177, port: 7777}: 08 b183a085fcffffffff01 10 e13c
const HOST_INFO = Buffer.from('08b183a085fcffffffff0110e13c', 'hex');
/** GetHostResponse field 5 (host) and GetRouteResponse field 3 (repeated host), each holding HOST_INFO. */
const HOST_SUFFIX = Buffer.concat([Buffer.of(0x2a, HOST_INFO.length), HOST_INFO]);
const ROUTE_SUFFIX = Buffer.concat([Buffer.of(0x1a, HOST_INFO.length), HOST_INFO]);
const out = Buffer.allocUnsafe(65_535);

function answer(msg: Buffer, rinfo: RemoteInfo, msgid: number, suffix: Buffer): void {
  msg.copy(out, 0);
  out[0] = msgid;
  out.writeInt32LE(msg.length - 8 + suffix.length, 4);
  suffix.copy(out, msg.length);
  socket.send(out, 0, msg.length + suffix.length, rinfo.port, rinfo.address);
}

socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
  if (msg[0] === MessageId.GetHostRequest) answer(msg, rinfo, MessageId.GetHostResponse, HOST_SUFFIX);
  else if (msg[0] === MessageId.ApiGetRouteRequest) answer(msg, rinfo, MessageId.ApiGetRouteResponse, ROUTE_SUFFIX);
});
// Until bound, an error (port taken) is uncaught and fails the worker, so the
// floor's start fails; after that a failed send is the client's problem.
socket.bind({ address: host, port, exclusive: true }, () => {
  socket.on('error', () => undefined);
  parentPort!.postMessage('ready');
});
