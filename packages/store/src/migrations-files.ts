// Schema migration files: packages/store/migrations/NNNN-name.sql, read and
// checked before anything touches a database.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, LarsError } from '@lars/wire';
import { isSemver } from './semver.js';

/** The package's migrations/ directory: one level above both src/ and dist/, shipped in `files`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** One statement of a migration, as the runner sends it. */
export interface MigrationStatement {
  sql: string;
  /** 1-based line where the statement starts, for error messages. */
  line: number;
  /** `-- lars:count NAME` before it: the statement's affected rows go into the report under NAME. */
  count?: string;
}

export interface Migration {
  /** NNNN of the file name. */
  version: number;
  /** The file name without `.sql`, e.g. `0001-baseline`. */
  name: string;
  /** sha256 (hex) of the file's text: a released migration never changes. */
  checksum: string;
  /** `-- lars:min_daemon_version X.Y.Z`: the oldest daemon that still runs against the schema once it is applied. */
  minDaemonVersion: string;
  statements: MigrationStatement[];
}

const FILE_NAME = /^(\d{4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.sql$/;
const DIRECTIVE = /^--\s*lars:(\S+)(?:\s+(.*?))?\s*$/;

function bad(name: string, line: number, why: string): LarsError {
  return new LarsError(ErrorCode.BAD_MIGRATION, `migration ${name}, line ${line}: ${why}`);
}

/**
 * Splits a migration into statements. The format is plain SQL with two
 * rules: a statement ends at a line whose last character is `;`, and a line
 * starting with `--` is a comment, except the directives `-- lars:min_daemon_version
 * X.Y.Z` (once per file) and `-- lars:count NAME` (before the statement it counts).
 */
export function parseMigration(fileName: string, text: string): Migration {
  const m = FILE_NAME.exec(fileName);
  if (m === null)
    throw new LarsError(ErrorCode.BAD_MIGRATION, `migration file ${fileName}: the name must be NNNN-name.sql`);
  const name = fileName.slice(0, -'.sql'.length);
  const statements: MigrationStatement[] = [];
  let minDaemonVersion: string | undefined;
  let pendingCount: string | undefined;
  let buffer: string[] = [];
  let start = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const lineNo = i + 1;
    if (line.trimStart().startsWith('--')) {
      const d = DIRECTIVE.exec(line.trimStart());
      if (d === null) return;
      const [, key, value = ''] = d;
      if (key === 'min_daemon_version') {
        if (minDaemonVersion !== undefined) throw bad(name, lineNo, 'lars:min_daemon_version given twice');
        if (!isSemver(value)) throw bad(name, lineNo, `lars:min_daemon_version '${value}' is not MAJOR.MINOR.PATCH`);
        minDaemonVersion = value;
      } else if (key === 'count') {
        if (!/^[a-z][a-z0-9_]*$/.test(value)) throw bad(name, lineNo, `lars:count '${value}' is not a snake_case name`);
        if (buffer.length > 0) throw bad(name, lineNo, 'lars:count inside a statement');
        pendingCount = value;
      } else {
        throw bad(name, lineNo, `unknown directive lars:${key}`);
      }
      return;
    }
    if (line.trim() === '' && buffer.length === 0) return;
    if (buffer.length === 0) start = lineNo;
    buffer.push(line);
    if (line.endsWith(';')) {
      const sql = buffer.join('\n').slice(0, -1).trim();
      statements.push(pendingCount === undefined ? { sql, line: start } : { sql, line: start, count: pendingCount });
      pendingCount = undefined;
      buffer = [];
    }
  });
  if (buffer.length > 0) throw bad(name, start, 'statement does not end with ;');
  if (pendingCount !== undefined) throw bad(name, lines.length, `lars:count ${pendingCount} before no statement`);
  if (minDaemonVersion === undefined) throw bad(name, 1, 'missing -- lars:min_daemon_version X.Y.Z');
  if (statements.length === 0) throw bad(name, 1, 'no statements');
  return {
    version: Number(m[1]),
    name,
    checksum: createHash('sha256').update(text).digest('hex'),
    minDaemonVersion,
    statements,
  };
}

/** Throws unless the versions run 1, 2, 3, ... with no gap or repeat. */
export function checkMigrationSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new LarsError(
        ErrorCode.BAD_MIGRATION,
        `migration ${m.name}: expected version ${String(i + 1).padStart(4, '0')} here (versions run 0001, 0002, ... with no gap or repeat)`,
      );
  });
}

/** Every `NNNN-name.sql` of `dir`, parsed, in version order. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations = await Promise.all(names.map(async (f) => parseMigration(f, await readFile(join(dir, f), 'utf8'))));
  checkMigrationSequence(migrations);
  return migrations;
}
