// The schema as the server reports it (SHOW CREATE TABLE), for
// sql/lars_dns.sql and for comparing two databases.
import type { Connection, RowDataPacket } from 'mysql2/promise';

/** Every base table of the selected database, by name. */
export async function listTables(conn: Connection): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
  );
  return rows.map((r) => String(r.t));
}

/**
 * `SHOW CREATE TABLE` of each of `tables`, in order, without the
 * AUTO_INCREMENT counter (data, not schema), one statement each.
 */
export async function showSchema(conn: Connection, tables: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const t of tables) {
    const [rows] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${t}\``);
    parts.push(`${String(rows[0]['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '')};\n`);
  }
  return parts.join('\n');
}
