import { describe, expect, it } from 'vitest';
import { ChangeCursor, type RouteChangeRow } from '../src/internal.js';

describe('ChangeCursor', () => {
  it('needs a full load first, then names each changed key once, in the order first read', () => {
    const cursor = new ChangeCursor(1800);
    expect(cursor.needsFullLoad(1000)).toBe(true);
    cursor.reset(10, 1000);
    expect(cursor.needsFullLoad(1000)).toBe(false);
    const rows: RouteChangeRow[] = [
      [10, 1, 1], // at the cursor's version after a full load: already in the table
      [11, 2, 1],
      [12, 3, 1],
      [12, 2, 1],
    ];
    expect(cursor.pending(rows)).toEqual([
      { modid: 2, cmdid: 1 },
      { modid: 3, cmdid: 1 },
    ]);
    cursor.advance(12, 1001, rows);
    expect(cursor.current).toBe(12);
  });

  it('re-reads rows at its own version and picks only keys not seen there (a row written after the bump)', () => {
    const cursor = new ChangeCursor(1800);
    cursor.reset(10, 0);
    const first: RouteChangeRow[] = [[11, 1, 1]];
    cursor.advance(11, 1, first);
    // Next round: the rows from 11 on. 1/1 at 11 was applied; 2/2 at 11 arrived late; 3/3 is new.
    const next: RouteChangeRow[] = [
      [11, 1, 1],
      [11, 2, 2],
      [13, 3, 3],
    ];
    expect(cursor.pending(next)).toEqual([
      { modid: 2, cmdid: 2 },
      { modid: 3, cmdid: 3 },
    ]);
    cursor.advance(13, 2, next);
    expect(cursor.pending([[13, 3, 3]])).toEqual([]);
    expect(cursor.pending([[13, 4, 4]])).toEqual([{ modid: 4, cmdid: 4 }]);
  });

  it('asks for a full load once it has not been confirmed for longer than its margin (rows may be swept)', () => {
    const cursor = new ChangeCursor(1800);
    cursor.reset(10, 0);
    cursor.confirm(1000);
    expect(cursor.needsFullLoad(2800)).toBe(false);
    expect(cursor.needsFullLoad(2801)).toBe(true);
    cursor.advance(11, 2801, [[11, 1, 1]]);
    expect(cursor.needsFullLoad(2801)).toBe(false);
  });
});
