import { fileURLToPath } from 'node:url';

/** Absolute paths of repository files the test helpers need. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MYSQL_LOCAL_SCRIPT = fileURLToPath(new URL('../scripts/mysql-local.sh', import.meta.url));
export const SCHEMA_SQL = fileURLToPath(new URL('../sql/lars_dns.sql', import.meta.url));
export const SAMPLE_SQL = fileURLToPath(new URL('../sql/lars_dns_sample.sql', import.meta.url));
/** Scratch space under the git-ignored var/ (short paths keep unix sockets legal). */
export const VAR_TMP = fileURLToPath(new URL('../var/tmp', import.meta.url));
