import { describe, expect, it } from 'vitest';
import { buildSeries, DEFAULT_STEP_S, inferStep } from '../src/call-series.js';

describe('inferStep', () => {
  it('is the gcd of the gaps between buckets, 60 s when it cannot tell', () => {
    expect(inferStep([600, 660, 840])).toBe(60);
    expect(inferStep([600, 630, 720])).toBe(30);
    expect(inferStep([600])).toBe(DEFAULT_STEP_S);
    expect(inferStep([])).toBe(DEFAULT_STEP_S);
    expect(inferStep([0, 7200])).toBe(3600);
  });
});

describe('buildSeries', () => {
  it('sums callers per host and bucket, zero-fills missing buckets, orders hosts by address', () => {
    const rows = [
      { ip: '10.0.0.9', port: 80, minute: 660, succ: 5, err: 1 },
      { ip: '10.0.0.9', port: 80, minute: 660, succ: 2, err: 0 },
      { ip: '10.0.0.10', port: 80, minute: 600, succ: 3, err: 4 },
      { ip: '10.0.0.9', port: 80, minute: 780, succ: 1, err: 1 },
    ];
    const s = buildSeries(rows, 600, 800);
    expect(s.step).toBe(60);
    expect(s.minutes).toEqual([600, 660, 720, 780]);
    expect(s.hosts).toEqual([
      { ip: '10.0.0.9', port: 80, succ: [0, 7, 0, 1], err: [0, 1, 0, 1] },
      { ip: '10.0.0.10', port: 80, succ: [3, 0, 0, 0], err: [4, 0, 0, 0] },
    ]);
  });

  it('rounds the range down to the step and extends it to a bucket ahead of the console clock', () => {
    const s = buildSeries([{ ip: '1.2.3.4', port: 1, minute: 300, succ: 1, err: 0 }], 130, 200, 60);
    expect(s.minutes).toEqual([120, 180, 240, 300]);
    expect(s.hosts[0].succ).toEqual([0, 0, 0, 1]);
  });

  it('no rows: the buckets, no hosts', () => {
    expect(buildSeries([], 0, 120)).toEqual({ minutes: [0, 60, 120], step: 60, hosts: [] });
  });
});
