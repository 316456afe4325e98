// Page-table nodes live in simulated memory: a node is a frame (usage PageTable, storage PTNode
// with its level and nr_children) holding 512 PTEs of 8 bytes. These helpers read and write
// entries and keep the node's metadata in step, as OSTD's Entry/Child code does.
import { encodeTable, pteIsLast, pteIsPresent, ptePaddr } from '../arch';
import type { Core } from '../core';
import { fail } from '../errors';
import {
  claimSlot,
  RC_UNUSED,
  Storage,
  Usage,
  Vtable,
  W_PATHS,
  W_PT_LEVEL,
  W_PT_NR_CHILDREN,
  W_STORAGE,
  W_USAGE,
  W_VTABLE,
  readRc,
  writeRc,
} from '../frame/meta';
import type { PhysMem } from '../mem';

export function pteLo(mem: PhysMem, node: number, idx: number): number {
  return mem.readWord(node, idx * 8);
}

export function pteHi(mem: PhysMem, node: number, idx: number): number {
  return mem.readWord(node, idx * 8 + 4);
}

/** Writes an entry and keeps nr_children equal to the number of present entries. */
export function setPte(core: Core, node: number, idx: number, lo: number, hi: number): void {
  const mem = core.mem;
  const was = pteIsPresent(pteLo(mem, node, idx));
  mem.writeWord(node, idx * 8, lo);
  mem.writeWord(node, idx * 8 + 4, hi);
  const now = pteIsPresent(lo);
  if (was !== now)
    mem.setSlotWord(node, W_PT_NR_CHILDREN, mem.slotWord(node, W_PT_NR_CHILDREN) + (now ? 1 : -1));
}

/** A fresh, empty node at `level` from the allocator (Frame::from_unused with PageTable usage). */
export function allocNode(core: Core, level: number): number {
  const pfn = core.allocator.find(1);
  if (pfn < 0) fail('NoMemory', `no free frame is left for a level-${level} page-table node`);
  if (readRc(core.mem, pfn) !== RC_UNUSED) fail('InUse', `frame ${pfn} is in use`);
  initNodeSlot(core.mem, pfn, level);
  core.mem.zeroFrame(pfn);
  return pfn;
}

/** A node's slot: refcount 1 (held by its parent entry, or by its owner for a root), one path. */
export function initNodeSlot(mem: PhysMem, pfn: number, level: number): void {
  writeRc(mem, pfn, 1);
  claimSlot(mem, pfn);
  mem.setSlotWord(pfn, W_USAGE, Usage.PageTable);
  mem.setSlotWord(pfn, W_STORAGE, Storage.PTNode);
  mem.setSlotWord(pfn, W_VTABLE, Vtable.PageTablePage);
  mem.setSlotWord(pfn, W_PT_LEVEL, level);
  mem.setSlotWord(pfn, W_PT_NR_CHILDREN, 0);
  mem.setSlotWord(pfn, W_PATHS, 1);
}

/** The last reference to a node went away: its slot becomes UNUSED (usage stays, as vostd). */
export function freeNode(core: Core, pfn: number): void {
  const mem = core.mem;
  mem.setSlotWord(pfn, W_PATHS, 0);
  mem.setSlotWord(pfn, W_PT_NR_CHILDREN, 0);
  mem.setSlotWord(pfn, W_PT_LEVEL, 0);
  mem.setSlotWord(pfn, W_STORAGE, Storage.Uninit);
  mem.setSlotWord(pfn, W_VTABLE, Vtable.Uninit);
  writeRc(mem, pfn, RC_UNUSED);
  core.allocator.freed(pfn);
}

const ENTRY_PAGES = [0, 1, 512, 512 * 512, 512 * 512 * 512, 512 ** 4];

/** Pages (4 KiB) one entry of a level-`level` node covers. */
export function entryPages(level: number): number {
  return ENTRY_PAGES[level]!;
}

/** The size of what one entry of a level-`level` node maps, as the views print it. */
export function pageSizeText(level: number): string {
  return ['', '4K', '2M', '1G', '512G'][level] ?? `level-${level}`;
}

/** Index of page number `vpn` in a level-`level` node. */
export function indexAt(vpn: number, level: number): number {
  if (vpn < 0x8000_0000) return ((vpn | 0) >>> (9 * (level - 1))) & 511;
  return Math.floor(vpn / ENTRY_PAGES[level]!) % 512;
}

/**
 * The child node under entry `idx` of `node`, creating it when the entry is absent. Fails when
 * the entry is a leaf (a huge mapping): user spaces never hold one.
 */
export function childOrCreate(core: Core, node: number, level: number, idx: number): number {
  const lo = pteLo(core.mem, node, idx);
  if (pteIsPresent(lo)) {
    if (pteIsLast(lo))
      fail(
        'Panic',
        `a huge mapping sits where a level-${level - 1} node is needed`,
        'huge leaf on path',
      );
    return ptePaddr(lo, pteHi(core.mem, node, idx)) / 4096;
  }
  const child = allocNode(core, level - 1);
  const [clo, chi] = encodeTable(child * 4096);
  setPte(core, node, idx, clo, chi);
  return child;
}

/** How many of node `pfn`'s 512 entries are present (what nr_children must count). */
export function presentEntries(mem: PhysMem, pfn: number): number {
  // Straight from the pool: the checker counts every affected node's entries after each step.
  // Present is vostd's `is_present` (PRESENT ∨ HUGE): a leaf without R still counts.
  const p = mem.pageSlot[pfn]!;
  if (p < 0) return 0;
  const pool = mem.pool;
  let n = 0;
  for (let e = p << 10, end = e + 1024; e < end; e += 2) if (pteIsPresent(pool[e]!)) n++;
  return n;
}

/** Where a walk ended: the leaf (or the empty entry) and its PTE words. Reused, never allocated per walk. */
export interface LeafRef {
  level: number;
  node: number;
  idx: number;
  /** The PTE's words as signed 32-bit integers (`>>> 0` for the unsigned value): kept small integers, never boxed. */
  lo: number;
  hi: number;
}

/** The MMU's hot path: `walk` without allocating. Fills `out`; true when a present leaf was found. */
export function walkInto(mem: PhysMem, root: number, vpn: number, out: LeafRef): boolean {
  // PTE words read straight from the pool (pageSlot, then the word): this runs once per TLB miss.
  const slot = mem.pageSlot;
  const pool = mem.pool;
  let node = root;
  const small = vpn < 0x8000_0000;
  const v = vpn | 0;
  for (let level = 4; level >= 1; level--) {
    const idx = small
      ? (v >>> (9 * (level - 1))) & 511
      : Math.floor(vpn / ENTRY_PAGES[level]!) % 512;
    const p = slot[node]!;
    const e = (p << 10) + (idx << 1);
    const lo = p < 0 ? 0 : pool[e]! | 0;
    const hi = p < 0 ? 0 : pool[e + 1]! | 0;
    out.level = level;
    out.node = node;
    out.idx = idx;
    out.lo = lo;
    out.hi = hi;
    if ((lo & 0x81) === 0) return false; // neither PRESENT nor HUGE
    if (lo & 0x80 || level === 1) return true;
    node = hi === 0 ? lo >>> 12 : (hi & 0xf_ffff) * 2 ** 20 + (lo >>> 12);
  }
  return false;
}

export interface Walk {
  /** Present leaf found. */
  ok: boolean;
  /** Level of the leaf, or of the node where the walk stopped. */
  level: number;
  /** The leaf's PTE words and where it sits. */
  lo: number;
  hi: number;
  node: number;
  idx: number;
  /** The nodes visited, root first, and the index taken in each. */
  path: number[];
  indices: number[];
}

/** The MMU oracle: walk `root` for page number `vpn`, reading real PTE bits. */
export function walk(mem: PhysMem, root: number, vpn: number): Walk {
  let node = root;
  const path: number[] = [];
  const indices: number[] = [];
  for (let level = 4; level >= 1; level--) {
    const idx = indexAt(vpn, level);
    path.push(node);
    indices.push(idx);
    const lo = pteLo(mem, node, idx);
    const hi = pteHi(mem, node, idx);
    if (!pteIsPresent(lo)) return { ok: false, level, lo, hi, node, idx, path, indices };
    if (pteIsLast(lo) || level === 1) return { ok: true, level, lo, hi, node, idx, path, indices };
    node = ptePaddr(lo, hi) / 4096;
  }
  throw new Error('unreachable');
}
