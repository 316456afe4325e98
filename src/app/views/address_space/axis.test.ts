import { describe, expect, it } from 'vitest';
import { mergeIntervals, piecewiseAxis } from './axis';

const END = 2 ** 35;

describe('mergeIntervals', () => {
  it('merges overlapping and close intervals and clamps to the domain', () => {
    expect(mergeIntervals([[10, 20], [15, 30], [100, 110], [-5, 2], [END - 1, END + 10]], [0, END], 4)).toEqual([
      [0, 2],
      [10, 30],
      [100, 110],
      [END - 1, END],
    ]);
    // Close relative to their size: a 1000-page run and one 200 pages after it merge.
    expect(mergeIntervals([[0, 1000], [1200, 2000]], [0, END], 16)).toEqual([[0, 2000]]);
    expect(mergeIntervals([[5, 5], [9, 3]], [0, END], 0)).toEqual([[3, 9]]);
  });
});

describe('piecewiseAxis', () => {
  it('is linear over the whole domain when nothing is there', () => {
    const a = piecewiseAxis([], [0, END], 1000);
    expect(a.pieces).toHaveLength(1);
    expect(a.x(END / 2)).toBeCloseTo(500);
    expect(a.invert(250)).toBeCloseTo(END / 4);
  });

  it('gives the width to what is there and squeezes the gaps', () => {
    // 16 pages at 0x400, one page at 0x600, one far away at 0x7000_0000.
    const iv: [number, number][] = [
      [0x400, 0x410],
      [0x600, 0x601],
      [0x7000_0000, 0x7000_0001],
    ];
    const a = piecewiseAxis(iv, [0, END], 1000, { gapPx: 20, minPx: 30 });
    const dense = a.pieces.filter((p) => !p.gap);
    const gaps = a.pieces.filter((p) => p.gap);
    expect(dense).toHaveLength(3);
    expect(gaps.every((p) => Math.abs(p.x1 - p.x0 - 20) < 1e-9)).toBe(true);
    // Pieces tile [0, width] in order.
    let x = 0;
    for (const p of a.pieces) {
      expect(p.x0).toBeCloseTo(x);
      x = p.x1;
    }
    expect(x).toBeCloseTo(1000);
    // The 16-page run is wider than the 1-page one, and every page of it is visible (> 1px).
    const w16 = a.x(0x410) - a.x(0x400);
    const w1 = a.x(0x601) - a.x(0x600);
    expect(w16).toBeGreaterThan(w1);
    expect(w16 / 16).toBeGreaterThan(1);
    expect(w1).toBeGreaterThan(1);
  });

  it('maps both ways, monotonically', () => {
    const a = piecewiseAxis([[100, 200], [1e9, 1e9 + 5]], [0, END], 800);
    let prev = -1;
    for (const v of [0, 50, 99, 100, 150, 200, 5e8, 1e9, 1e9 + 3, END - 1, END]) {
      const x = a.x(v);
      expect(x).toBeGreaterThanOrEqual(prev);
      prev = x;
      if (v > 0 && v < END) expect(a.invert(x)).toBeCloseTo(v, -1);
    }
    expect(a.x(-5)).toBe(0);
    expect(a.x(END + 5)).toBe(800);
  });

  it('stays within the width when the pieces outnumber the room', () => {
    const iv: [number, number][] = Array.from({ length: 200 }, (_, i) => [i * 1e6, i * 1e6 + 1]);
    const a = piecewiseAxis(iv, [0, END], 300);
    expect(a.pieces[a.pieces.length - 1]!.x1).toBeCloseTo(300);
  });
});
