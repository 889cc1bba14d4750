import type { Logger } from '@lars/reactor';
import { MysqlErrorClass, type MysqlErrorFields } from '@lars/store';

/** Server error numbers that mean the DNS's user may not do this: wrong password, no grant. */
const ACCESS_DENIED_ERRNOS: ReadonlySet<number> = new Set([
  1044, // ER_DBACCESS_DENIED_ERROR: no grant on the database
  1045, // ER_ACCESS_DENIED_ERROR: wrong user or password
  1130, // ER_HOST_NOT_PRIVILEGED: the user may not connect from this host
  1142, // ER_TABLEACCESS_DENIED_ERROR: no grant on a table
  1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR
]);

/** What a failed MySQL call says about MySQL, in the words the log uses. */
export function mysqlCause(fields: MysqlErrorFields): string {
  if (fields.errno !== undefined && ACCESS_DENIED_ERRNOS.has(fields.errno)) return 'access denied';
  if (fields.class === MysqlErrorClass.TRANSIENT) return 'unreachable';
  return `failing (${fields.code ?? fields.errno ?? 'unknown error'})`;
}

/**
 * The DNS's view of MySQL and its log: one line per change of state (up,
 * or down for a given cause: unreachable, access denied, another error), so
 * a DNS retrying every few seconds for hours logs once, and the line names
 * the real cause with the driver's code and errno. Each failed round is
 * also logged, throttled, by the loader.
 */
export class MysqlStateLog {
  /** null until the first round: neither up nor down yet. */
  private state: string | null = null;

  constructor(
    private readonly logger: Logger,
    /** `describeMysql(settings)`: where, as whom (never the password). */
    private readonly where: string,
  ) {}

  get up(): boolean {
    return this.state === 'up';
  }

  markUp(): void {
    if (this.state === 'up') return;
    const wasDown = this.state !== null;
    this.state = 'up';
    if (wasDown) this.logger.info({ mysql: this.where }, 'MySQL is back');
  }

  /** `hasTable`: whether a table is being served (the line says what the DNS does meanwhile). */
  markDown(fields: MysqlErrorFields, hasTable: boolean): void {
    const cause = mysqlCause(fields);
    if (this.state === cause) return;
    this.state = cause;
    const { message, ...rest } = fields;
    const doing = hasTable ? 'serving the last table' : 'no route table yet, route requests wait';
    this.logger.error({ mysql: this.where, ...rest, err: message }, `MySQL ${cause}: ${doing}; retrying`);
  }
}
