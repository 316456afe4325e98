// The physical-frames raster: one class per frame (computed in the worker, see shared_layout), a grid that gives each
// frame a cell (or each pixel a bucket of frames when there are more frames than pixels), and the
// bucketing that keeps a bucket's most telling class. Typed arrays only, no object per frame.

export { FC_BAD, FC_DMA, FC_FREE, FC_FREED, FC_HELD, FC_KERNEL, FC_MAPPED, FC_META, FC_PT, FC_RESERVED, FC_SHARED, FC_UNIQUE } from '../../../bridge/shared_layout';

/** Names of the frame classes, by code (shared_layout FC_*); their colours are per theme (palette.ts). */
export const CLASSES: readonly { name: string; what: string }[] = [
  { name: 'free', what: 'UNUSED, never allocated' },
  { name: 'freed', what: 'UNUSED again (usage kept, as vostd)' },
  { name: 'reserved', what: 'Reserved (low 1 MiB)' },
  { name: 'kernel', what: 'Kernel or MMIO' },
  { name: 'meta', what: 'Meta: holds the metadata slots' },
  { name: 'page table', what: 'a page-table node' },
  { name: 'held', what: 'data frame, refcount 1, not mapped' },
  { name: 'mapped', what: 'data frame, refcount 1, mapped by a page table' },
  { name: 'shared', what: 'data frame, refcount ≥ 2' },
  { name: 'unique', what: 'UNIQUE: one owner, mapped by nothing' },
  { name: 'DMA', what: 'held by a DMA object' },
  { name: 'bad', what: 'refcount 0, in the overflow band, or in use without usage' },
];

const pixelTables = new WeakMap<readonly string[], Uint32Array>();

/** Each class as one 32-bit RGBA pixel in the platform's byte order, from `#rrggbb` colours. */
export function classPixels(colors: readonly string[]): Uint32Array {
  let out = pixelTables.get(colors);
  if (!out) {
    out = new Uint32Array(colors.length);
    const bytes = new Uint8Array(out.buffer);
    colors.forEach((c, i) => {
      bytes[i * 4] = parseInt(c.slice(1, 3), 16);
      bytes[i * 4 + 1] = parseInt(c.slice(3, 5), 16);
      bytes[i * 4 + 2] = parseInt(c.slice(5, 7), 16);
      bytes[i * 4 + 3] = 255;
    });
    pixelTables.set(colors, out);
  }
  return out;
}

/** How frames sit on the canvas: `per` consecutive frames a cell, cells of `cell` px, row-major. */
export interface Grid {
  n: number;
  cols: number;
  rows: number;
  cell: number;
  per: number;
  /** Cells in use. */
  cells: number;
}

/** The largest cells (2..24 px) that fit n frames in width×height; 1 px cells of several frames when they do not. */
export function gridFor(n: number, width: number, height: number): Grid {
  const W = Math.max(1, Math.floor(width));
  const H = Math.max(1, Math.floor(height));
  if (n <= 0) return { n: 0, cols: W, rows: 0, cell: 1, per: 1, cells: 0 };
  for (let cell = 24; cell >= 2; cell--) {
    const cols = Math.floor(W / cell);
    if (cols < 1) continue;
    const rows = Math.ceil(n / cols);
    if (rows * cell <= H) return { n, cols, rows, cell, per: 1, cells: n };
  }
  const per = Math.max(1, Math.ceil(n / (W * H)));
  const cells = Math.ceil(n / per);
  return { n, cols: W, rows: Math.ceil(cells / W), cell: 1, per, cells };
}

/** The most telling class of each cell's frames. */
export function bucket(classes: Uint8Array, g: Grid, out: Uint8Array): Uint8Array {
  if (g.per === 1) {
    out.set(classes.subarray(0, g.n));
    return out;
  }
  for (let c = 0; c < g.cells; c++) {
    const s = c * g.per;
    const e = Math.min(s + g.per, g.n);
    let m = 0;
    for (let p = s; p < e; p++) if (classes[p]! > m) m = classes[p]!;
    out[c] = m;
  }
  return out;
}

/** The cell under a point (in CSS px), or -1. */
export function cellAt(g: Grid, x: number, y: number): number {
  const col = Math.floor(x / g.cell);
  const row = Math.floor(y / g.cell);
  if (col < 0 || col >= g.cols || row < 0) return -1;
  const c = row * g.cols + col;
  return c < g.cells ? c : -1;
}

/** The frames of a cell [first, end). */
export function cellFrames(g: Grid, c: number): [number, number] {
  const s = c * g.per;
  return [s, Math.min(s + g.per, g.n)];
}

/** The cell showing frame p. */
export function cellOf(g: Grid, p: number): number {
  return Math.floor(p / g.per);
}

/** The frame of a cell that decided its colour (the first with the cell's class). */
export function representative(classes: Uint8Array, g: Grid, c: number): number {
  const [s, e] = cellFrames(g, c);
  let best = s;
  for (let p = s; p < e; p++) if (classes[p]! > classes[best]!) best = p;
  return best;
}

/** Fill RGBA pixels, one a cell (ImageData of cols×rows), with `pixels` (classPixels). */
export function paintPixels(cells: Uint8Array, g: Grid, rgba: Uint8ClampedArray, pixels: Uint32Array): void {
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2);
  const n = Math.min(g.cells, px.length);
  for (let c = 0; c < n; c++) px[c] = pixels[cells[c]!]!;
}
