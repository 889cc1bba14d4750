// Issue 11 item 7 through a real ReporterServer (in-process, real MariaDB):
// 1,100 idle sockets from one address no longer make the reporter drop the
// reports of agents connecting from another one.
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it, vi } from 'vitest';
import { MessageId, encodeBody } from '@lars/proto';
import { encodeFrame } from '@lars/wire';
import { ReporterServer } from '../src/index.js';
import { guardBed } from '../../../test-support/guard-bed.js';
import type { GuardPeer } from '../../../test-support/guard-peer.js';

const bed = guardBed<ReporterServer>();

const IDLE = 1100;
const AGENTS = 60;

/** One ReportStatusRequest frame for a route of its own: one row in ServerCallStatus. */
const report = (modid: number): Buffer =>
  encodeFrame(
    MessageId.ReportStatusRequest,
    encodeBody(MessageId.ReportStatusRequest, {
      modid,
      cmdid: 1,
      caller: 2130706434,
      ts: 1_700_000_000,
      results: [{ ip: 167772161, port: 8000, succ: 5, err: 1, overload: false }],
    }),
  );

describe('ReporterServer connection guards', () => {
  it('writes every report of 60 agents from 127.0.0.2 while 1,100 idle sockets come from 127.0.0.1', async () => {
    const reporter = bed.server(new ReporterServer({ port: 0, defaultMetrics: false, mysql: bed.mysql() }));
    const { port } = await reporter.start();
    await bed.idleSockets(port, '127.0.0.1', IDLE);
    const agents: GuardPeer[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const agent = await bed.peer(port, '127.0.0.2');
      agents.push(agent);
      await agent.writeWhileOpen(report(7000 + i));
    }
    // Each report is either counted by the reporter or its connection was cut.
    await vi.waitFor(() => {
      const cut = agents.filter((a) => a.isClosed).length;
      expect((reporter.stats().requests as number) + cut).toBe(AGENTS);
    });
    expect(reporter.stats().requests).toBe(AGENTS);
    await vi.waitFor(() => expect(reporter.stats().rowsWritten).toBe(AGENTS), { timeout: 10_000 });
    const [rows] = await bed.db.admin.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM ServerCallStatus WHERE modid BETWEEN 7000 AND 7059',
    );
    expect(rows[0].n).toBe(AGENTS);
  });
});
