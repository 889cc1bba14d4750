// One port of the agent benchmark's floor: a bare dgram socket that sends
// every GetHostRequest datagram back unchanged and drops everything else
// (ReportRequest). Only the first byte is read (the low byte of the
// little-endian msgid): no frame check, no protobuf, no load balancing, so
// this is the transport's cost alone.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { MessageId } from '@lars/proto';

export interface EchoWorkerData {
  host: string;
  port: number;
}

const { host, port } = workerData as EchoWorkerData;
const socket = createSocket('udp4');

socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
  if (msg[0] === MessageId.GetHostRequest) socket.send(msg, rinfo.port, rinfo.address);
});
// Until bound, an error (port taken) is uncaught and fails the worker, so the
// floor's start fails; after that a failed send is the client's problem.
socket.bind({ address: host, port, exclusive: true }, () => {
  socket.on('error', () => undefined);
  parentPort!.postMessage('ready');
});
