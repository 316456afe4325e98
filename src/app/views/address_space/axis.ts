// A piecewise address axis that makes 0..2^47 usable: the stretches where something is (mappings,
// cursors, readers, writers) get the width, in proportion to the square root of their length, and
// every empty stretch between them is squeezed to a fixed gap. Linear inside each piece, so it
// maps both ways exactly. Units are whatever the caller uses (the ribbon uses page numbers).

export interface AxisPiece {
  a0: number;
  a1: number;
  x0: number;
  x1: number;
  gap: boolean;
}

export interface Axis {
  pieces: AxisPiece[];
  /** The intervals as merged, before padding (where labels go). */
  intervals: [number, number][];
  width: number;
  x(a: number): number;
  invert(x: number): number;
}

export interface AxisOptions {
  /** Width of a squeezed empty stretch (px). */
  gapPx?: number;
  /** Smallest width of a piece with something in it (px). */
  minPx?: number;
  /** Intervals closer than this (units) merge into one piece. */
  mergeWithin?: number;
  /** Room added on each side of a piece, as a fraction of its length (at least `padMin` units). */
  pad?: number;
  padMin?: number;
}

/** Merges overlapping or close intervals, clamped to the domain; sorted. */
export function mergeIntervals(iv: readonly (readonly [number, number])[], domain: readonly [number, number], within: number): [number, number][] {
  const a = iv
    .map(([s, e]) => [Math.max(domain[0], Math.min(s, e)), Math.min(domain[1], Math.max(s, e))] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((p, q) => p[0] - q[0]);
  const out: [number, number][] = [];
  for (const [s, e] of a) {
    const last = out[out.length - 1];
    if (last && s - last[1] <= Math.max(within, 0.25 * Math.min(last[1] - last[0], e - s))) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function piecewiseAxis(intervals: readonly (readonly [number, number])[], domain: readonly [number, number], width: number, opt: AxisOptions = {}): Axis {
  const gapPx = opt.gapPx ?? 22;
  const minPx = opt.minPx ?? 28;
  const padFrac = opt.pad ?? 0.08;
  const padMin = opt.padMin ?? 1;
  const merged = mergeIntervals(intervals, domain, opt.mergeWithin ?? 16);
  // Pad each interval, then merge again (padding may make neighbours touch).
  const padded = mergeIntervals(
    merged.map(([s, e]) => {
      const p = Math.max(padMin, Math.ceil((e - s) * padFrac));
      return [s - p, e + p] as [number, number];
    }),
    domain,
    0,
  );
  const spans: { a0: number; a1: number; gap: boolean }[] = [];
  let at = domain[0];
  for (const [s, e] of padded) {
    if (s > at) spans.push({ a0: at, a1: s, gap: true });
    spans.push({ a0: s, a1: e, gap: false });
    at = e;
  }
  if (at < domain[1]) spans.push({ a0: at, a1: domain[1], gap: true });
  const pieces: AxisPiece[] = [];
  const dense = spans.filter((p) => !p.gap);
  if (dense.length === 0) {
    pieces.push({ a0: domain[0], a1: domain[1], x0: 0, x1: width, gap: false });
  } else {
    const gaps = spans.length - dense.length;
    const room = Math.max(dense.length * minPx, width - gaps * gapPx);
    const weights = dense.map((p) => Math.sqrt(p.a1 - p.a0));
    const total = weights.reduce((a, b) => a + b, 0);
    // Every dense piece gets at least minPx; the rest is shared by weight.
    const extra = Math.max(0, room - dense.length * minPx);
    let x = 0;
    let di = 0;
    for (const p of spans) {
      const w = p.gap ? gapPx : minPx + (extra * weights[di++]!) / total;
      pieces.push({ a0: p.a0, a1: p.a1, x0: x, x1: x + w, gap: p.gap });
      x += w;
    }
    // Scale to the width exactly (the minimums may overflow a narrow one).
    const f = width / x;
    for (const p of pieces) {
      p.x0 *= f;
      p.x1 *= f;
    }
  }
  const find = (v: number, key: 'a' | 'x'): AxisPiece => {
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((key === 'a' ? pieces[mid]!.a0 : pieces[mid]!.x0) <= v) lo = mid;
      else hi = mid - 1;
    }
    return pieces[lo]!;
  };
  return {
    pieces,
    intervals: merged,
    width,
    x(a: number): number {
      if (a <= domain[0]) return pieces[0]!.x0;
      if (a >= domain[1]) return pieces[pieces.length - 1]!.x1;
      const p = find(a, 'a');
      return p.x0 + ((a - p.a0) / (p.a1 - p.a0)) * (p.x1 - p.x0);
    },
    invert(x: number): number {
      if (x <= 0) return domain[0];
      if (x >= width) return domain[1];
      const p = find(x, 'x');
      return p.a0 + ((x - p.x0) / (p.x1 - p.x0)) * (p.a1 - p.a0);
    },
  };
}
