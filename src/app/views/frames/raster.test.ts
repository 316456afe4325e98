import { describe, expect, it } from 'vitest';
import { RC_BAND, RC_UNIQUE, RC_UNUSED, U_FRAME, U_META, U_PAGETABLE, U_RESERVED, U_UNUSED, frameClass } from '../../../bridge/shared_layout';
import { PALETTES } from '../palette';
import { CLASSES, FC_BAD, FC_FREE, FC_FREED, FC_HELD, FC_MAPPED, FC_META, FC_PT, FC_RESERVED, FC_SHARED, FC_UNIQUE, bucket, cellAt, cellFrames, classPixels, gridFor, paintPixels, representative } from './raster';

describe('frameClass', () => {
  it('gives each frame its class from usage, refcount and paths', () => {
    const U = RC_UNUSED;
    const cases: [number, number, number, number][] = [
      [U_UNUSED, U, 0, FC_FREE],
      [U_RESERVED, U, 0, FC_RESERVED],
      [U_META, 1, 0, FC_META],
      [U_PAGETABLE, 1, 1, FC_PT],
      [U_PAGETABLE, U, 0, FC_FREED],
      [U_FRAME, 1, 0, FC_HELD],
      [U_FRAME, 1, 1, FC_MAPPED],
      [U_FRAME, 3, 1, FC_SHARED],
      [U_FRAME, RC_UNIQUE, 0, FC_UNIQUE],
      [U_FRAME, U, 0, FC_FREED],
      [U_FRAME, 0, 0, FC_BAD],
      [U_FRAME, RC_BAND, 0, FC_BAD],
      [U_UNUSED, 1, 0, FC_BAD],
    ];
    for (const [u, rc, paths, want] of cases) expect(frameClass(u, rc, paths), `${u} ${rc} ${paths}`).toBe(want);
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
    paintPixels(bucket(classes, g, new Uint8Array(3)), g, rgba, classPixels(PALETTES.light.classes));
    // UNIQUE, bad, free in the light theme's colours (#bf8700, #cf222e, #eaeef2), opaque.
    expect([...rgba]).toEqual([0xbf, 0x87, 0x00, 255, 0xcf, 0x22, 0x2e, 255, 0xea, 0xee, 0xf2, 255]);
  });

  it('has a colour for every class in every theme, free lightest in the light one', () => {
    const lum = (c: string) => [1, 3, 5].reduce((a, i) => a + parseInt(c.slice(i, i + 2), 16), 0) / 3;
    for (const p of Object.values(PALETTES)) {
      expect(p.classes.length).toBe(CLASSES.length);
      for (const c of p.classes) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(lum(PALETTES.light.classes[FC_FREE]!)).toBeGreaterThan(200);
    expect(lum(PALETTES.dark.classes[FC_FREE]!)).toBeLessThan(60);
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
