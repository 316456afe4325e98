// Pure cursor geometry over the page table: which node a range locks, and the next entry a
// cursor meets. Page numbers throughout; reads memory, writes nothing.
import { pteIsLast, pteIsPresent, ptePaddr } from '../arch';
import type { PhysMem } from '../mem';
import { entryPages, indexAt, pteHi, pteLo } from './node';

/** OSTD lock_range: the lowest level whose single node covers [start, end) (pages). */
export function guardLevelOf(start: number, end: number): number {
  for (let level = 4; level >= 2; level--)
    if (indexAt(start, level) !== indexAt(end - 1, level)) return level;
  return 1;
}

/** The page span of the level-`level` node containing `vpn`. */
export function nodeSpan(vpn: number, level: number): [number, number] {
  const pages = entryPages(level) * 512;
  const s = vpn - (vpn % pages);
  return [s, s + pages];
}

export type Found =
  | { kind: 'leaf'; vpn: number; level: number; node: number; idx: number; lo: number; hi: number }
  | {
      kind: 'node';
      vpn: number;
      pages: number;
      level: number;
      node: number;
      idx: number;
      child: number;
    };

/**
 * The first present entry whose range starts in [from, to), in address order. With `stray`, a
 * whole child node lying inside [from, to) below the guard level is returned as one entry (what
 * take_next turns into a StrayPageTable).
 */
export function nextEntry(
  mem: PhysMem,
  root: number,
  from: number,
  to: number,
  guardLevel: number,
  stray: boolean,
): Found | null {
  return scan(mem, root, 4, 0, from, to, guardLevel, stray);
}

function scan(
  mem: PhysMem,
  node: number,
  level: number,
  base: number,
  from: number,
  to: number,
  guard: number,
  stray: boolean,
): Found | null {
  const ep = entryPages(level);
  const i0 = from > base ? Math.floor((from - base) / ep) : 0;
  for (let i = i0; i < 512; i++) {
    const cb = base + i * ep;
    if (cb >= to) break;
    const lo = pteLo(mem, node, i);
    if (!pteIsPresent(lo)) continue;
    const hi = pteHi(mem, node, i);
    if (pteIsLast(lo) || level === 1) {
      if (cb >= from) return { kind: 'leaf', vpn: cb, level, node, idx: i, lo, hi };
      continue;
    }
    const child = ptePaddr(lo, hi) / 4096;
    if (stray && level <= guard && cb >= from && cb + ep <= to)
      return { kind: 'node', vpn: cb, pages: ep, level: level - 1, node, idx: i, child };
    const r = scan(mem, child, level - 1, cb, from, to, guard, stray);
    if (r) return r;
  }
  return null;
}

/** Every leaf under `node` (a level-`level` node whose first page is `base`). */
export function leavesUnder(
  mem: PhysMem,
  node: number,
  level: number,
  base: number,
  out: { vpn: number; pfn: number; level: number }[],
  nodes: number[],
): void {
  nodes.push(node);
  const ep = entryPages(level);
  for (let i = 0; i < 512; i++) {
    const lo = pteLo(mem, node, i);
    if (!pteIsPresent(lo)) continue;
    const pa = ptePaddr(lo, pteHi(mem, node, i));
    if (pteIsLast(lo) || level === 1) out.push({ vpn: base + i * ep, pfn: pa / 4096, level });
    else leavesUnder(mem, pa / 4096, level - 1, base + i * ep, out, nodes);
  }
}
