import { describe, expect, it } from 'vitest';
import { LogThrottle } from '@lars/wire';
import { mysqlErrorFields, throttledMysqlError } from '../src/mysql-errors.js';

function sqlError(errno: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlState: '42S02', sql: 'INSERT ... secret data' });
}

describe('mysqlErrorFields', () => {
  it("takes code, errno and sqlState from the driver's error, through causes and AggregateErrors, never its SQL", () => {
    const err = sqlError(1146, 'ER_NO_SUCH_TABLE', "Table 'x.ServerCallStatus' doesn't exist");
    expect(mysqlErrorFields(err)).toEqual({
      code: 'ER_NO_SUCH_TABLE',
      errno: 1146,
      sqlState: '42S02',
      class: 'fatal',
      message: "Table 'x.ServerCallStatus' doesn't exist",
    });
    const wrapped = new Error('write failed', { cause: err });
    expect(mysqlErrorFields(wrapped)).toMatchObject({ code: 'ER_NO_SUCH_TABLE', errno: 1146, message: 'write failed' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', errno: -111 });
    expect(mysqlErrorFields(new AggregateError([refused], 'all addresses failed'))).toMatchObject({
      code: 'ECONNREFUSED',
      errno: -111,
      sqlState: undefined,
      class: 'transient',
    });
    expect(mysqlErrorFields('not an error')).toEqual({
      code: undefined,
      errno: undefined,
      sqlState: undefined,
      class: 'fatal',
      message: 'not an error',
    });
  });
});

describe('throttledMysqlError', () => {
  it('gives one set of fields per code per interval, counting the ones held back', () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now);
    const gone = sqlError(1146, 'ER_NO_SUCH_TABLE', 'gone');
    expect(throttledMysqlError(gone, throttle)).toMatchObject({ code: 'ER_NO_SUCH_TABLE', err: 'gone', suppressed: 0 });
    expect(throttledMysqlError(gone, throttle)).toBeNull();
    expect(throttledMysqlError(gone, throttle)).toBeNull();
    // Another code has a line of its own.
    expect(throttledMysqlError(sqlError(1142, 'ER_TABLEACCESS_DENIED_ERROR', 'denied'), throttle)).toMatchObject({
      errno: 1142,
      suppressed: 0,
    });
    now = 1000;
    expect(throttledMysqlError(gone, throttle)).toMatchObject({ suppressed: 2 });
  });
});
