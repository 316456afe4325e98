// The page-table tree's layout: which nodes and leaves are visible (a collapsed node is one mark
// standing for its whole subtree), where each sits (column = depth, row = leaf order, an open node
// centred on its children), as parallel typed arrays. Leaves are read from the shared frame
// contents when their node is open. Pure: tested in Node with a fake reader.
import type { PtSkeleton } from '../../../bridge/snapshot';
import { entryPages, ptePfn, ptePresent, pteLast } from '../../../bridge/shared_layout';

export interface PteSource {
  pteLo(node: number, idx: number): number;
  pteHi(node: number, idx: number): number;
}

export const K_NODE = 0;
export const K_LEAF = 1;
/** An open node whose children span more rows than this sits level with its first child. */
export const CENTRE_WITHIN = 24;
/** Buckets of the density strip a collapsed node shows (512 entries / 32). */
export const DENSITY_BUCKETS = 32;

export interface TreeLayout {
  count: number;
  kind: Uint8Array;
  /** Node: its skeleton index; leaf: its node's skeleton index. */
  skel: Int32Array;
  depth: Uint8Array;
  /** Row (centre), in row units. */
  y: Float64Array;
  /** Item index of the parent, -1 for the root. */
  parent: Int32Array;
  /** Entry index in the parent node. */
  idx: Int16Array;
  /** Node: first page it covers; leaf: its page. */
  vpn: Float64Array;
  /** Node: its frame; leaf: the frame it maps. */
  pfn: Float64Array;
  /** Node: its level; leaf: the level of the entry (1 = 4 KiB, 2 = 2 MiB, …). */
  level: Uint8Array;
  /** Leaf PTE words. */
  lo: Uint32Array;
  hi: Uint32Array;
  /** Node: 1 open, 0 collapsed, 2 nothing under it. */
  open: Uint8Array;
  /** 1: borrowed from the kernel page table (a node or a leaf under one). */
  borrowed: Uint8Array;
  /** Node: mappings under it, and how many top-level entries it stands for (a group: > 1). */
  under: Float64Array;
  span: Int16Array;
  /** Open node: the rows of its first and last child. */
  childMin: Float64Array;
  childMax: Float64Array;
  /** Collapsed node: offset of its density strip in `density` (-1: none). */
  densityAt: Int32Array;
  /** The skeleton's density strips: present entries per bucket of 16 (0..16), DENSITY_BUCKETS a node. */
  density: Uint8Array;
  rows: number;
  /** Items of each depth, in row order (for culling by binary search). */
  columns: Int32Array[];
}

/** Children of each skeleton node, in entry order: start offsets into one list. */
export function childIndex(t: PtSkeleton): { start: Int32Array; list: Int32Array } {
  const n = t.count;
  const cnt = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (t.parent[i]! >= 0) cnt[t.parent[i]! + 1]!++;
  for (let i = 0; i < n; i++) cnt[i + 1]! += cnt[i]!;
  const start = cnt.slice();
  const fill = cnt.slice();
  const list = new Int32Array(Math.max(0, n - 1));
  // Depth-first order lists each parent's children by increasing entry index already.
  for (let i = 0; i < n; i++) {
    const p = t.parent[i]!;
    if (p >= 0) list[fill[p]!++] = i;
  }
  return { start, list };
}

class Grow {
  kind: number[] = [];
  skel: number[] = [];
  depth: number[] = [];
  y: number[] = [];
  parent: number[] = [];
  idx: number[] = [];
  vpn: number[] = [];
  pfn: number[] = [];
  level: number[] = [];
  lo: number[] = [];
  hi: number[] = [];
  open: number[] = [];
  borrowed: number[] = [];
  under: number[] = [];
  span: number[] = [];
  childMin: number[] = [];
  childMax: number[] = [];
  densityAt: number[] = [];
  push(kind: number, skel: number, depth: number, parent: number, idx: number, vpn: number, pfn: number, level: number, lo: number, hi: number, open: number): number {
    this.kind.push(kind);
    this.skel.push(skel);
    this.depth.push(depth);
    this.y.push(0);
    this.parent.push(parent);
    this.idx.push(idx);
    this.vpn.push(vpn);
    this.pfn.push(pfn);
    this.level.push(level);
    this.lo.push(lo);
    this.hi.push(hi);
    this.open.push(open);
    this.borrowed.push(0);
    this.under.push(0);
    this.span.push(1);
    this.childMin.push(0);
    this.childMax.push(0);
    this.densityAt.push(-1);
    return this.kind.length - 1;
  }
}

/**
 * Lays out the tree. `isOpen(i)` says whether skeleton node i shows its children; `maxItems`
 * bounds the work (leaves past it are left out, their node stays one mark).
 */
export function layoutTree(t: PtSkeleton, isOpen: (i: number) => boolean, src: PteSource, maxItems = 200_000): TreeLayout {
  const g = new Grow();
  const { start, list } = childIndex(t);
  let row = 0;
  const place = (me: number, y: number): void => {
    g.y[me] = y;
  };
  /** Adds skeleton node i (and, if open, what is under it); returns its item index. */
  const visit = (i: number, parentItem: number, depth: number): number => {
    const level = t.level[i]!;
    const hasKids = t.present[i]! > 0 && t.span[i]! === 1;
    const open = hasKids && isOpen(i) && g.kind.length < maxItems;
    const me = g.push(K_NODE, i, depth, parentItem, t.index[i]!, t.base[i]!, t.pfn[i]!, level, 0, 0, hasKids ? (open ? 1 : 0) : 2);
    g.borrowed[me] = t.borrowed[i]!;
    g.under[me] = t.subtree[i]!;
    g.span[me] = t.span[i]!;
    if (!open) {
      if (hasKids) {
        // The density strip of a collapsed node (counted by the worker).
        g.densityAt[me] = i * DENSITY_BUCKETS;
      }
      place(me, row++);
      return me;
    }
    const node = t.pfn[i]!;
    const ep = entryPages(level);
    let ci = start[i]!;
    const ce = start[i + 1]!;
    let first = -1;
    let last = -1;
    for (let e = 0; e < 512; e++) {
      const next = ci < ce ? list[ci]! : -1;
      if (next >= 0 && t.index[next]! === e) {
        const c = visit(next, me, depth + 1);
        if (first < 0) first = g.y[c]!;
        last = g.y[c]!;
        e += t.span[next]! - 1;
        ci++;
        continue;
      }
      const lo = src.pteLo(node, e);
      if (!ptePresent(lo)) continue;
      if (!(pteLast(lo) || level === 1)) continue; // a table the skeleton left out
      if (g.kind.length >= maxItems) break;
      const hi = src.pteHi(node, e);
      const c = g.push(K_LEAF, i, depth + 1, me, e, t.base[i]! + e * ep, ptePfn(lo, hi), level, lo, hi, 2);
      g.borrowed[c] = t.borrowed[i]!;
      place(c, row++);
      if (first < 0) first = g.y[c]!;
      last = g.y[c]!;
    }
    if (first < 0) {
      g.open[me] = 2;
      place(me, row++);
    } else {
      g.childMin[me] = first;
      g.childMax[me] = last;
      // Centred on a small family; level with its first child over a big one (so the path from
      // the root stays on screen).
      place(me, last - first <= CENTRE_WITHIN ? (first + last) / 2 : first);
    }
    return me;
  };
  if (t.count > 0) visit(0, -1, 0);
  const count = g.kind.length;
  const depthArr = Uint8Array.from(g.depth);
  const maxDepth = depthArr.reduce((a, b) => Math.max(a, b), 0);
  const yArr = Float64Array.from(g.y);
  const columns: Int32Array[] = [];
  for (let d = 0; d <= maxDepth; d++) {
    const items: number[] = [];
    for (let k = 0; k < count; k++) if (depthArr[k] === d) items.push(k);
    items.sort((a, b) => yArr[a]! - yArr[b]!);
    columns.push(Int32Array.from(items));
  }
  return {
    count,
    kind: Uint8Array.from(g.kind),
    skel: Int32Array.from(g.skel),
    depth: depthArr,
    y: yArr,
    parent: Int32Array.from(g.parent),
    idx: Int16Array.from(g.idx),
    vpn: Float64Array.from(g.vpn),
    pfn: Float64Array.from(g.pfn),
    level: Uint8Array.from(g.level),
    lo: Uint32Array.from(g.lo),
    hi: Uint32Array.from(g.hi),
    open: Uint8Array.from(g.open),
    borrowed: Uint8Array.from(g.borrowed),
    under: Float64Array.from(g.under),
    span: Int16Array.from(g.span),
    childMin: Float64Array.from(g.childMin),
    childMax: Float64Array.from(g.childMax),
    densityAt: Int32Array.from(g.densityAt),
    density: t.density,
    rows: row,
    columns,
  };
}

/** The first position in a column whose row is ≥ y. */
export function lowerBound(col: Int32Array, ys: Float64Array, y: number): number {
  let lo = 0;
  let hi = col.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ys[col[mid]!]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The item of column `depth` nearest to row y within `tolerance` rows, or -1. */
export function itemAt(l: TreeLayout, depth: number, y: number, tolerance = 0.5): number {
  const col = l.columns[depth];
  if (!col || col.length === 0) return -1;
  const k = lowerBound(col, l.y, y);
  let best = -1;
  let dist = tolerance;
  for (const j of [k - 1, k]) {
    if (j < 0 || j >= col.length) continue;
    const d = Math.abs(l.y[col[j]!]! - y);
    if (d <= dist) {
      dist = d;
      best = col[j]!;
    }
  }
  return best;
}
