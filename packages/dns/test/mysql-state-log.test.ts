// The DNS's MySQL state log: one line per change of state, naming the cause
// from the store's error classification; and the held pulls' bookkeeping.
import { describe, expect, it } from 'vitest';
import { mysqlErrorFields } from '@lars/store';
import { HeldPulls } from '../src/held-pulls.js';
import { MysqlStateLog, mysqlCause } from '../src/mysql-state-log.js';
import { captureLogs, LEVEL } from '../../../test-support/log-capture.js';

/** An error shaped as mysql2 or a Node socket throws it. */
const driverError = (message: string, code: string, errno: number) =>
  mysqlErrorFields(Object.assign(new Error(message), { code, errno }));
const REFUSED = driverError('connect ECONNREFUSED 127.0.0.1:3306', 'ECONNREFUSED', -111);
const LOST = driverError('Connection lost: The server closed the connection.', 'PROTOCOL_CONNECTION_LOST', 2013);
const DENIED = driverError("Access denied for user 'lars'@'127.0.0.1'", 'ER_ACCESS_DENIED_ERROR', 1045);
const NO_DB_GRANT = driverError("Access denied for user 'lars' to database 'x'", 'ER_DBACCESS_DENIED_ERROR', 1044);
const NO_TABLE = driverError("Table 'x.RouteVersion' doesn't exist", 'ER_NO_SUCH_TABLE', 1146);

describe('mysqlCause', () => {
  it('says access denied for a wrong password or a missing grant, unreachable for a transient error, else the code', () => {
    expect([REFUSED, LOST, DENIED, NO_DB_GRANT, NO_TABLE].map(mysqlCause)).toEqual([
      'unreachable',
      'unreachable',
      'access denied',
      'access denied',
      'failing (ER_NO_SUCH_TABLE)',
    ]);
  });
});

describe('MysqlStateLog', () => {
  it('logs once per change of state, with the driver code and errno, and says what the DNS does meanwhile', () => {
    const logs = captureLogs();
    const state = new MysqlStateLog(logs.logger, 'lars@127.0.0.1:3306/lars_dns');
    state.markUp();
    expect(logs.lines).toEqual([]);
    for (let i = 0; i < 3; i++) state.markDown(REFUSED, true);
    state.markDown(LOST, true);
    for (let i = 0; i < 3; i++) state.markDown(DENIED, true);
    state.markUp();
    state.markUp();
    state.markDown(NO_TABLE, false);
    expect(state.up).toBe(false);
    expect(logs.lines.map((l) => [l.level, l.msg, l.code ?? null, l.errno ?? null])).toEqual([
      [LEVEL.error, 'MySQL unreachable: serving the last table; retrying', 'ECONNREFUSED', -111],
      [LEVEL.error, 'MySQL access denied: serving the last table; retrying', 'ER_ACCESS_DENIED_ERROR', 1045],
      [LEVEL.info, 'MySQL is back', null, null],
      [
        LEVEL.error,
        'MySQL failing (ER_NO_SUCH_TABLE): no route table yet, route requests wait; retrying',
        'ER_NO_SUCH_TABLE',
        1146,
      ],
    ]);
    expect(logs.lines[1]).toMatchObject({ mysql: 'lars@127.0.0.1:3306/lars_dns', class: 'fatal' });
    expect(logs.lines[1].err).toMatch(/^Access denied/);
  });
});

describe('HeldPulls', () => {
  it('holds one request per (connection, route), drops a closed connection, and drains in order', () => {
    const held = new HeldPulls<string>();
    held.hold('a', 1, 1);
    held.hold('a', 1, 1);
    held.hold('a', 2, 1);
    held.hold('b', 1, 1);
    held.hold('c', 9, 9);
    held.drop('c');
    expect(held.size).toBe(3);
    const answered: string[] = [];
    held.drain((conn, r) => answered.push(`${conn} ${r.modid}/${r.cmdid}`));
    expect(answered).toEqual(['a 1/1', 'a 2/1', 'b 1/1']);
    expect(held.size).toBe(0);
    held.drain(() => answered.push('again'));
    expect(answered).toHaveLength(3);
  });
});
