// The physical-frames raster: one class per frame from its metadata slot, a grid that gives each
// frame a cell (or each pixel a bucket of frames when there are more frames than pixels), and the
// bucketing that keeps a bucket's most telling class. Typed arrays only, no object per frame.
import { RC_BAND, RC_UNIQUE, RC_UNUSED, SLOT_WORDS, U_FRAME, U_KERNEL, U_META, U_MMIO, U_PAGETABLE, U_RESERVED, U_UNUSED, W_PATHS, W_USAGE } from '../../../bridge/shared_layout';

/** Frame classes; a larger code wins when frames share a pixel. */
export const FC_FREE = 0;
export const FC_FREED = 1;
export const FC_RESERVED = 2;
export const FC_KERNEL = 3;
export const FC_META = 4;
export const FC_PT = 5;
export const FC_HELD = 6;
export const FC_MAPPED = 7;
export const FC_SHARED = 8;
export const FC_UNIQUE = 9;
export const FC_DMA = 10;
export const FC_BAD = 11;

export const CLASSES: readonly { name: string; color: string; what: string }[] = [
  { name: 'free', color: '#1f252d', what: 'UNUSED, never allocated' },
  { name: 'freed', color: '#39414b', what: 'UNUSED again (usage kept, as vostd)' },
  { name: 'reserved', color: '#6e7681', what: 'Reserved (low 1 MiB)' },
  { name: 'kernel', color: '#1b7c83', what: 'Kernel or MMIO' },
  { name: 'meta', color: '#8957e5', what: 'Meta: holds the metadata slots' },
  { name: 'page table', color: '#388bfd', what: 'a page-table node' },
  { name: 'held', color: '#2ea043', what: 'data frame, refcount 1, not mapped' },
  { name: 'mapped', color: '#26a69a', what: 'data frame, refcount 1, mapped by a page table' },
  { name: 'shared', color: '#9be9a8', what: 'data frame, refcount ≥ 2' },
  { name: 'unique', color: '#d29922', what: 'UNIQUE: one owner, mapped by nothing' },
  { name: 'DMA', color: '#f0883e', what: 'held by a DMA object' },
  { name: 'bad', color: '#f85149', what: 'refcount 0, in the overflow band, or in use without usage' },
];

/** RGBA of each class, for ImageData. */
export const CLASS_RGBA: Uint8Array = (() => {
  const out = new Uint8Array(CLASSES.length * 4);
  CLASSES.forEach((c, i) => {
    out[i * 4] = parseInt(c.color.slice(1, 3), 16);
    out[i * 4 + 1] = parseInt(c.color.slice(3, 5), 16);
    out[i * 4 + 2] = parseInt(c.color.slice(5, 7), 16);
    out[i * 4 + 3] = 255;
  });
  return out;
})();

/** The class of every frame, into `out` (length ≥ n). DMA ranges [start, end) override. */
export function classify(meta: Uint32Array, n: number, dma: readonly (readonly [number, number])[], out: Uint8Array): Uint8Array {
  for (let p = 0; p < n; p++) {
    const b = p * SLOT_WORDS;
    const usage = meta[b + W_USAGE]!;
    const lo = meta[b]!;
    const hi = meta[b + 1]!;
    const rc = hi >= 0x8000_0000 ? (hi === 0xffff_ffff && lo === 0xffff_ffff ? RC_UNUSED : hi === 0xffff_ffff && lo === 0xffff_fffe ? RC_UNIQUE : RC_BAND) : hi * 2 ** 32 + lo;
    let c: number;
    if (usage === U_FRAME) {
      if (rc === RC_UNUSED) c = FC_FREED;
      else if (rc === RC_UNIQUE) c = FC_UNIQUE;
      else if (rc === RC_BAND || rc === 0) c = FC_BAD;
      else if (rc >= 2) c = FC_SHARED;
      else c = meta[b + W_PATHS]! > 0 ? FC_MAPPED : FC_HELD;
    } else if (usage === U_UNUSED) c = rc === RC_UNUSED ? FC_FREE : FC_BAD;
    else if (usage === U_PAGETABLE) c = rc === RC_UNUSED ? FC_FREED : FC_PT;
    else if (usage === U_META) c = FC_META;
    else if (usage === U_RESERVED) c = FC_RESERVED;
    else if (usage === U_KERNEL || usage === U_MMIO) c = FC_KERNEL;
    else c = FC_BAD;
    out[p] = c;
  }
  for (const [s, e] of dma) for (let p = s; p < e && p < n; p++) if (out[p] !== FC_BAD) out[p] = FC_DMA;
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

/** Fill RGBA pixels for a 1-px grid (ImageData of cols×rows). */
export function paintPixels(cells: Uint8Array, g: Grid, rgba: Uint8ClampedArray): void {
  for (let c = 0; c < g.cells; c++) {
    const k = cells[c]! * 4;
    const o = c * 4;
    rgba[o] = CLASS_RGBA[k]!;
    rgba[o + 1] = CLASS_RGBA[k + 1]!;
    rgba[o + 2] = CLASS_RGBA[k + 2]!;
    rgba[o + 3] = 255;
  }
}
