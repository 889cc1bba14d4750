import { describe, expect, it } from 'vitest';
import {
  classifyMysqlError,
  isTransientMysqlError,
  MysqlErrorClass,
  ROW_ERRNOS,
  TRANSIENT_CONNECTION_CODES,
  TRANSIENT_ERRNOS,
} from '../src/index.js';

/** An error shaped as mysql2 throws it. */
function sqlError(errno: number, code = 'ER_SOMETHING'): Error {
  return Object.assign(new Error(`errno ${errno}`), { errno, code, sqlState: 'HY000' });
}
function socketError(code: string): Error {
  return Object.assign(new Error(code), { code, errno: -111, syscall: 'connect' });
}

describe('classifyMysqlError', () => {
  it.each([
    ['ECONNREFUSED', socketError('ECONNREFUSED')],
    ['ECONNRESET', socketError('ECONNRESET')],
    ['ETIMEDOUT', socketError('ETIMEDOUT')],
    ['PROTOCOL_CONNECTION_LOST', Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })],
    ['2006 gone away', sqlError(2006, 'CR_SERVER_GONE_ERROR')],
    ['2013 lost', sqlError(2013, 'CR_SERVER_LOST')],
    ['1047 node not ready', sqlError(1047, 'ER_UNKNOWN_COM_ERROR')],
    ['1290 read-only', sqlError(1290, 'ER_OPTION_PREVENTS_STATEMENT')],
    ['1213 deadlock', sqlError(1213, 'ER_LOCK_DEADLOCK')],
    [
      '1213 Galera certification conflict',
      Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
        errno: 1213,
        code: 'ER_LOCK_DEADLOCK',
        sqlState: '40001',
      }),
    ],
    ['1205 lock wait', sqlError(1205, 'ER_LOCK_WAIT_TIMEOUT')],
  ])('%s is transient', (_name, err) => {
    expect(classifyMysqlError(err)).toBe(MysqlErrorClass.TRANSIENT);
    expect(isTransientMysqlError(err)).toBe(true);
  });

  it.each([
    [1048, 'ER_BAD_NULL_ERROR'],
    [1062, 'ER_DUP_ENTRY'],
    [1264, 'ER_WARN_DATA_OUT_OF_RANGE'],
    [1265, 'WARN_DATA_TRUNCATED'],
    [1292, 'ER_TRUNCATED_WRONG_VALUE'],
    [1366, 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD'],
    [1406, 'ER_DATA_TOO_LONG'],
    [1452, 'ER_NO_REFERENCED_ROW_2'],
  ])('%i (%s) is a row error', (errno, code) => {
    expect(classifyMysqlError(sqlError(errno, code))).toBe(MysqlErrorClass.ROW);
  });

  it.each([
    [1045, 'ER_ACCESS_DENIED_ERROR'],
    [1049, 'ER_BAD_DB_ERROR'],
    [1064, 'ER_PARSE_ERROR'],
    [1146, 'ER_NO_SUCH_TABLE'],
    [1142, 'ER_TABLEACCESS_DENIED_ERROR'],
  ])('%i (%s) is fatal', (errno, code) => {
    expect(classifyMysqlError(sqlError(errno, code))).toBe(MysqlErrorClass.FATAL);
  });

  it('calls anything unrecognised fatal, so it is never retried forever', () => {
    expect(classifyMysqlError(new TypeError('x is undefined'))).toBe(MysqlErrorClass.FATAL);
    expect(classifyMysqlError('a string')).toBe(MysqlErrorClass.FATAL);
    expect(classifyMysqlError(null)).toBe(MysqlErrorClass.FATAL);
    expect(classifyMysqlError(socketError('EACCES'))).toBe(MysqlErrorClass.FATAL);
  });

  it('looks through a wrapping error to its cause', () => {
    const wrapped = new Error('load failed', { cause: new Error('query', { cause: sqlError(1213) }) });
    expect(classifyMysqlError(wrapped)).toBe(MysqlErrorClass.TRANSIENT);
    expect(classifyMysqlError(new Error('insert failed', { cause: sqlError(1366) }))).toBe(MysqlErrorClass.ROW);
  });

  it('calls an AggregateError of connect attempts transient only when every attempt was', () => {
    const all = new AggregateError([socketError('ECONNREFUSED'), socketError('ETIMEDOUT')], 'connect');
    expect(classifyMysqlError(all)).toBe(MysqlErrorClass.TRANSIENT);
    const mixed = new AggregateError([socketError('ECONNREFUSED'), socketError('EACCES')], 'connect');
    expect(classifyMysqlError(mixed)).toBe(MysqlErrorClass.FATAL);
  });

  it('keeps the tables disjoint', () => {
    const transient = Object.keys(TRANSIENT_ERRNOS);
    expect(Object.keys(ROW_ERRNOS).filter((n) => transient.includes(n))).toEqual([]);
    expect(new Set(TRANSIENT_CONNECTION_CODES).size).toBe(TRANSIENT_CONNECTION_CODES.length);
  });
});
