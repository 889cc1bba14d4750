import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lars/wire';
import { createLogger, LOG_LEVELS, parseLogLevel, REDACTED } from '../src/logger.js';
import { captureLogs } from '../../../test-support/log-capture.js';

const ALLOWED = 'fatal, error, warn, info, debug, trace, silent';

describe('log levels', () => {
  it('are pino levels and silent; anything else is LARS_BAD_OPTION naming the source and the levels allowed', () => {
    expect(LOG_LEVELS.join(', ')).toBe(ALLOWED);
    for (const level of LOG_LEVELS) expect(parseLogLevel(level, 'x')).toBe(level);
    expect(() => parseLogLevel('bogus', 'LARS_LOG_LEVEL')).toThrow(
      expect.objectContaining({
        code: ErrorCode.BAD_OPTION,
        message: `LARS_LOG_LEVEL must be one of ${ALLOWED}, got "bogus"`,
      }),
    );
    expect(() => parseLogLevel('INFO', 'level')).toThrow(/level must be one of/);
  });

  it('LARS_LOG_LEVEL wins over the option; a bad one (or a bad option) fails createLogger', () => {
    expect(createLogger({ level: 'debug', env: { LARS_LOG_LEVEL: 'warn' } }).level).toBe('warn');
    expect(createLogger({ level: 'debug', env: { LARS_LOG_LEVEL: '' } }).level).toBe('debug');
    expect(createLogger({ env: {} }).level).toBe('info');
    expect(() => createLogger({ env: { LARS_LOG_LEVEL: 'bogus' } })).toThrow(
      `LARS_LOG_LEVEL must be one of ${ALLOWED}, got "bogus"`,
    );
    expect(() => createLogger({ level: 'loud', env: {} })).toThrow(`level must be one of ${ALLOWED}, got "loud"`);
  });
});

describe('redaction', () => {
  it('writes every field that can hold a password as [Redacted], wherever the daemons put one', () => {
    const logs = captureLogs();
    const settings = { host: '127.0.0.1', port: 3306, user: 'lars', password: 'hunter2', database: 'lars_dns' };
    logs.logger.info(settings, 'settings at the top level');
    logs.logger.info({ mysql: settings }, 'MysqlSettings under mysql');
    logs.logger.child({ component: 'x' }).info({ settings }, 'under settings, from a child');
    logs.logger.info({ conf: { mysql: { db_passwd: 'hunter2', db_user: 'lars' } } }, 'a config section');
    logs.logger.info({ passwd: 'hunter2' }, 'passwd');
    logs.logger.error({ err: Object.assign(new Error('boom'), { config: { password: 'hunter2' } }) }, 'an error');
    expect(logs.lines).toHaveLength(6);
    expect(JSON.stringify(logs.lines)).not.toContain('hunter2');
    expect(logs.lines[0]).toMatchObject({ user: 'lars', password: REDACTED });
    expect(logs.lines[1]).toMatchObject({ mysql: { user: 'lars', host: '127.0.0.1', password: REDACTED } });
    expect(logs.lines[2]).toMatchObject({ component: 'x', settings: { password: REDACTED } });
    expect(logs.lines[3]).toMatchObject({ conf: { mysql: { db_user: 'lars', db_passwd: REDACTED } } });
    expect(logs.lines[4]).toMatchObject({ passwd: REDACTED });
    expect(logs.lines[5]).toMatchObject({ err: { message: 'boom', config: { password: REDACTED } } });
  });
});
