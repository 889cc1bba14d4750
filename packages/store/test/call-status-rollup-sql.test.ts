import { format } from 'mysql2';
import { describe, expect, it } from 'vitest';
import {
  rollupRowBytes,
  UPSERT_ROLLUP_FIXED_BYTES,
  UPSERT_ROLLUP_SQL,
  upsertRollupSql,
  type RollupRow,
} from '../src/index.js';

const ROWS: RollupRow[] = [
  [1, 1, 167772161, 80, 3232235777, 1_700_000_040, 12, 0, '0'],
  [2147483647, -2147483648, 4294967295, 65535, 0, 0, 4294967295 * 3, 7, '1'],
  [-1, 0, 0, 0, 1, 60, 0, 0, '0'],
  [9, 99, 999, 9999, 99999, 999999, 9999999, 99999999, '0'],
  [10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, '0'],
  [999999999, 1000000000, 9999999999, 10000000000, 99999999999, 100000000000, 123456789012345, -99999, '1'],
];

describe('upsertRollupSql', () => {
  it("builds the same text as mysql2's expansion of UPSERT_ROLLUP_SQL", () => {
    for (let n = 1; n <= ROWS.length; n++) {
      const rows = ROWS.slice(0, n);
      expect(upsertRollupSql(rows)).toBe(format(UPSERT_ROLLUP_SQL, [rows]));
    }
  });

  it('is as long as rollupRowBytes and UPSERT_ROLLUP_FIXED_BYTES say (the statement budget)', () => {
    const bytes = UPSERT_ROLLUP_FIXED_BYTES + ROWS.reduce((n, r) => n + rollupRowBytes(r), 0);
    expect(Buffer.byteLength(upsertRollupSql(ROWS))).toBe(bytes);
  });
});
