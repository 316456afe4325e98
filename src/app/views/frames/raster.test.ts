import { describe, expect, it } from 'vitest';
import { SLOT_WORDS, W_PATHS, W_USAGE, U_FRAME, U_META, U_PAGETABLE, U_RESERVED } from '../../../bridge/shared_layout';
import { FC_BAD, FC_DMA, FC_FREE, FC_FREED, FC_HELD, FC_MAPPED, FC_META, FC_PT, FC_RESERVED, FC_SHARED, FC_UNIQUE, bucket, cellAt, cellFrames, classify, gridFor, paintPixels, representative } from './raster';

function slots(n: number): Uint32Array {
  const m = new Uint32Array(n * SLOT_WORDS);
  for (let p = 0; p < n; p++) {
    m[p * SLOT_WORDS] = 0xffff_ffff;
    m[p * SLOT_WORDS + 1] = 0xffff_ffff;
  }
  return m;
}
function set(m: Uint32Array, p: number, usage: number, rc: number | 'unique' | 'unused', paths = 0): void {
  const b = p * SLOT_WORDS;
  m[b + W_USAGE] = usage;
  if (rc === 'unused') [m[b], m[b + 1]] = [0xffff_ffff, 0xffff_ffff];
  else if (rc === 'unique') [m[b], m[b + 1]] = [0xffff_fffe, 0xffff_ffff];
  else [m[b], m[b + 1]] = [rc, 0];
  m[b + W_PATHS] = paths;
}

describe('classify', () => {
  it('gives each frame its class from the slot', () => {
    const m = slots(12);
    set(m, 1, U_RESERVED, 'unused');
    set(m, 2, U_META, 1);
    set(m, 3, U_PAGETABLE, 1);
    set(m, 4, U_FRAME, 1);
    set(m, 5, U_FRAME, 1, 1);
    set(m, 6, U_FRAME, 3);
    set(m, 7, U_FRAME, 'unique');
    set(m, 8, U_FRAME, 'unused');
    set(m, 9, U_FRAME, 0);
    set(m, 10, U_FRAME, 1);
    set(m, 11, U_PAGETABLE, 'unused');
    const c = classify(m, 12, [[10, 11]], new Uint8Array(12));
    expect([...c]).toEqual([FC_FREE, FC_RESERVED, FC_META, FC_PT, FC_HELD, FC_MAPPED, FC_SHARED, FC_UNIQUE, FC_FREED, FC_BAD, FC_DMA, FC_FREED]);
  });
});

describe('grid and buckets', () => {
  it('uses big cells when the frames fit', () => {
    const g = gridFor(4096, 800, 240);
    expect(g.per).toBe(1);
    expect(g.cell).toBeGreaterThanOrEqual(2);
    expect(g.cols * g.cell).toBeLessThanOrEqual(800);
    expect(g.rows * g.cell).toBeLessThanOrEqual(240);
    expect(g.cols * g.rows).toBeGreaterThanOrEqual(4096);
  });

  it('aggregates per pixel when there are more frames than pixels (2G = 524,288 frames)', () => {
    const g = gridFor(524_288, 800, 240);
    expect(g.cell).toBe(1);
    expect(g.per).toBe(Math.ceil(524_288 / (800 * 240)));
    expect(g.rows).toBeLessThanOrEqual(240);
    expect(g.cells * g.per).toBeGreaterThanOrEqual(524_288);
  });

  it('keeps the most telling class of a bucket, and finds the frame that decided it', () => {
    const classes = new Uint8Array([FC_FREE, FC_FREE, FC_UNIQUE, FC_FREE, FC_PT, FC_BAD, FC_FREE, FC_FREE, FC_FREE]);
    const g = { n: 9, cols: 3, rows: 1, cell: 1, per: 3, cells: 3 };
    expect([...bucket(classes, g, new Uint8Array(3))]).toEqual([FC_UNIQUE, FC_BAD, FC_FREE]);
    expect(representative(classes, g, 0)).toBe(2);
    expect(representative(classes, g, 1)).toBe(5);
    expect(cellFrames(g, 2)).toEqual([6, 9]);
    expect(cellAt(g, 1.5, 0.5)).toBe(1);
    expect(cellAt(g, 5, 0)).toBe(-1);
    const rgba = new Uint8ClampedArray(12);
    paintPixels(bucket(classes, g, new Uint8Array(3)), g, rgba);
    expect(rgba[3]).toBe(255);
  });

  it('buckets 524,288 frames quickly (typed arrays only)', () => {
    const n = 524_288;
    const classes = new Uint8Array(n);
    for (let p = 0; p < n; p += 97) classes[p] = FC_MAPPED;
    const g = gridFor(n, 1000, 300);
    const t0 = performance.now();
    const cells = bucket(classes, g, new Uint8Array(g.cells));
    const ms = performance.now() - t0;
    expect(cells.length).toBe(g.cells);
    expect(ms).toBeLessThan(100);
  });
});
