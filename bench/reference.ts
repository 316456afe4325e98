// The limits: plain typed-array code doing what the engine does, with nothing else around it.
//
// - `BareTable`: a copy of a VmSpace's user page table into one flat Uint32Array (node k at words
//   k·1024.., real x86-64 PTE words, table entries pointing at node indices), and the hand-written
//   4-level walk over it.
// - `RefMm`: the mapping bookkeeping of `mmap` / `unmap` (frame allocation lowest-fit, metadata
//   slot words, page-table nodes created on demand in a pooled store, PTE words, nr_children and
//   paths_in_pt, stray nodes taken whole, TLB flush ops counted) over a copy of the engine's
//   metadata, with no journal, no effects, no strings and no handles. The metadata words it keeps
//   (MODELED_WORDS) must equal the engine's at the end: the benchmark checks that, so the limit
//   does the same work. Ghost counters the engine may add (a slot generation) are not modeled.
import {
  encodeLeaf,
  PF_R,
  PF_W,
  PRIV_USER,
  CachePolicy,
  pteIsLast,
  pteIsPresent,
  ptePaddr,
} from '../src/engine/arch';
import type { PhysMem } from '../src/engine/mem';

// Metadata word offsets (src/engine/frame/meta.ts) and values, inlined as the limit would.
const W_RC_LO = 0;
const W_RC_HI = 1;
const W_USAGE = 2;
const W_STORAGE = 3;
const W_VTABLE = 4;
const W_PT_NR_CHILDREN = 6;
const W_PT_LEVEL = 7;
const W_PATHS = 10;
const U_RESERVED = 1;
const U_FRAME = 2;
const U_PAGETABLE = 3;
const U_META = 4;
const U_MMIO = 6;
const S_UNTYPED = 2;
const S_PTNODE = 4;
const V_UNTYPED = 1;
const V_PTPAGE = 2;
const UNUSED32 = 0xffff_ffff;

const PRESENT_OR_HUGE = 0x81;
const HUGE = 0x80;
const TABLE_FLAGS = 0x7; // PRESENT | WRITABLE | USER
/** Divisors giving the level-4..1 index of a page number (512^(level-1)). */
const DIV4 = 2 ** 27;
const DIV3 = 2 ** 18;
const DIV2 = 2 ** 9;

// ---- the bare walk ---------------------------------------------------------------------------------

export class BareTable {
  readonly words: Uint32Array;
  readonly nodes: number;

  /** Copies the user half of the page table rooted at `root` (a pfn in `mem`). */
  constructor(mem: PhysMem, root: number) {
    const order: number[] = [];
    const index = new Map<number, number>();
    const visit = (pfn: number, level: number): void => {
      index.set(pfn, order.length);
      order.push(pfn);
      if (level === 1) return;
      for (let i = 0; i < (level === 4 ? 256 : 512); i++) {
        const lo = mem.readWord(pfn, i * 8);
        if (pteIsPresent(lo) && !pteIsLast(lo))
          visit(ptePaddr(lo, mem.readWord(pfn, i * 8 + 4)) / 4096, level - 1);
      }
    };
    visit(root, 4);
    this.nodes = order.length;
    this.words = new Uint32Array(order.length * 1024);
    order.forEach((pfn, k) => {
      for (let i = 0; i < 512; i++) {
        if (k === 0 && i >= 256) break;
        let lo = mem.readWord(pfn, i * 8);
        const hi = mem.readWord(pfn, i * 8 + 4);
        if (pteIsPresent(lo) && !pteIsLast(lo)) {
          const child = index.get(ptePaddr(lo, hi) / 4096)!;
          lo = ((lo & 0xfff) | (child << 12)) >>> 0;
          this.words[k * 1024 + i * 2 + 1] = 0;
        } else this.words[k * 1024 + i * 2 + 1] = hi;
        this.words[k * 1024 + i * 2] = lo;
      }
    });
  }
}

/**
 * The hand-written walk: the physical frame number mapped at page `vpn`, or -1 (not present).
 * Reads real PTE bits at each of the 4 levels, stops early at a huge leaf, like the engine's.
 */
export function bareWalk(pt: Uint32Array, vpn: number): number {
  let e = (((vpn / DIV4) | 0) & 511) << 1;
  let lo = pt[e]!;
  if (!(lo & PRESENT_OR_HUGE)) return -1;
  if (lo & HUGE) return leafPfn(pt, e, lo) + (vpn % 2 ** 27);
  e = ((lo >>> 12) << 10) + ((((vpn / DIV3) | 0) & 511) << 1);
  lo = pt[e]!;
  if (!(lo & PRESENT_OR_HUGE)) return -1;
  if (lo & HUGE) return leafPfn(pt, e, lo) + (vpn % DIV3);
  e = ((lo >>> 12) << 10) + ((((vpn / DIV2) | 0) & 511) << 1);
  lo = pt[e]!;
  if (!(lo & PRESENT_OR_HUGE)) return -1;
  if (lo & HUGE) return leafPfn(pt, e, lo) + (vpn % DIV2);
  e = ((lo >>> 12) << 10) + ((vpn & 511) << 1);
  lo = pt[e]!;
  if (!(lo & PRESENT_OR_HUGE)) return -1;
  return leafPfn(pt, e, lo);
}

function leafPfn(pt: Uint32Array, e: number, lo: number): number {
  return (pt[e + 1]! & 0xfffff) * 2 ** 20 + (lo >>> 12);
}

// ---- the mapping reference -------------------------------------------------------------------------

/** The lowest level whose single node covers [start, end) (OSTD lock_range; engine guardLevelOf). */
function guardLevel(start: number, end: number): number {
  if (((start / DIV4) | 0) !== (((end - 1) / DIV4) | 0)) return 4;
  if ((((start / DIV3) | 0) & 511) !== ((((end - 1) / DIV3) | 0) & 511)) return 3;
  if ((((start / DIV2) | 0) & 511) !== ((((end - 1) / DIV2) | 0) & 511)) return 2;
  return 1;
}

function indexAt(vpn: number, level: number): number {
  return level === 4
    ? ((vpn / DIV4) | 0) & 511
    : level === 3
      ? ((vpn / DIV3) | 0) & 511
      : level === 2
        ? ((vpn / DIV2) | 0) & 511
        : vpn & 511;
}

const ENTRY_PAGES = [0, 1, 2 ** 9, 2 ** 18, 2 ** 27];

export class RefMm {
  readonly meta: Uint32Array;
  readonly nframes: number;
  private readonly pageSlot: Int32Array;
  /** Written nodes' words in one flat pool that doubles when full (as the engine's). */
  private pool = new Uint32Array(64 * 1024);
  private poolNext = 0;
  private readonly poolFree: number[] = [];
  private hint = 0;
  private readonly leafLo: number;
  private readonly leafHi: number;
  /** TLB flush ops issued (OSTD's ops stack: more than 32, or a long Range, becomes All). */
  flushOps = 0;
  flushAll = false;
  private readonly freedFrames: number[] = [];
  private readonly strays: number[] = [];

  /** Starts from a copy of the engine's metadata words; `root` is the VmSpace's root (its user half empty). */
  constructor(
    meta: Uint32Array,
    readonly root: number,
  ) {
    this.meta = meta.slice();
    this.nframes = meta.length / 16;
    this.pageSlot = new Int32Array(this.nframes).fill(-1);
    const [lo, hi] = encodeLeaf(0, {
      flags: PF_R | PF_W,
      cache: CachePolicy.Writeback,
      priv: PRIV_USER,
    });
    this.leafLo = lo;
    this.leafHi = hi;
  }

  // -- node contents, stored only for frames ever written (as the engine stores them) --
  private word(pfn: number, w: number): number {
    const p = this.pageSlot[pfn]!;
    return p < 0 ? 0 : this.pool[p * 1024 + w]!;
  }

  private setWord(pfn: number, w: number, v: number): void {
    let p = this.pageSlot[pfn]!;
    if (p < 0) {
      if (v === 0) return;
      const q = this.poolFree.pop();
      if (q === undefined) {
        p = this.poolNext++;
        if (p * 1024 >= this.pool.length) {
          const bigger = new Uint32Array(this.pool.length * 2);
          bigger.set(this.pool);
          this.pool = bigger;
        }
      } else {
        p = q;
        this.pool.fill(0, p * 1024, p * 1024 + 1024);
      }
      this.pageSlot[pfn] = p;
    }
    this.pool[p * 1024 + w] = v;
  }

  /** A PTE write keeping nr_children = present entries (engine setPte). */
  private setPte(node: number, idx: number, lo: number, hi: number): void {
    const was = (this.word(node, idx * 2) & PRESENT_OR_HUGE) !== 0;
    this.setWord(node, idx * 2, lo);
    this.setWord(node, idx * 2 + 1, hi);
    const now = (lo & PRESENT_OR_HUGE) !== 0;
    if (was !== now) this.meta[node * 16 + W_PT_NR_CHILDREN] += now ? 1 : -1;
  }

  // -- the allocator: lowest free frame, scanning from a hint --
  private find(): number {
    const m = this.meta;
    const n = this.nframes;
    let p = this.hint;
    for (; p < n; p++) {
      const b = p * 16;
      if (m[b + W_RC_LO] !== UNUSED32 || m[b + W_RC_HI] !== UNUSED32) continue;
      const u = m[b + W_USAGE];
      if (u !== U_RESERVED && u !== U_MMIO && u !== U_META) break;
    }
    this.hint = p;
    return p < n ? p : -1;
  }

  private allocNode(level: number): number {
    const pfn = this.find();
    if (pfn < 0) throw new Error('reference: out of frames for a page-table node');
    const b = pfn * 16;
    const m = this.meta;
    m[b + W_RC_LO] = 1;
    m[b + W_RC_HI] = 0;
    m[b + W_USAGE] = U_PAGETABLE;
    m[b + W_STORAGE] = S_PTNODE;
    m[b + W_VTABLE] = V_PTPAGE;
    m[b + W_PT_LEVEL] = level;
    m[b + W_PT_NR_CHILDREN] = 0;
    m[b + W_PATHS] = 1;
    const p = this.pageSlot[pfn]!;
    if (p >= 0) this.pool.fill(0, p * 1024, p * 1024 + 1024);
    return pfn;
  }

  private childOrCreate(node: number, level: number, idx: number): number {
    const lo = this.word(node, idx * 2);
    if (lo & PRESENT_OR_HUGE) {
      if (lo & HUGE) throw new Error('reference: huge leaf on path');
      return (this.word(node, idx * 2 + 1) & 0xfffff) * 2 ** 20 + (lo >>> 12);
    }
    const child = this.allocNode(level - 1);
    this.setPte(
      node,
      idx,
      (TABLE_FLAGS | ((child * 4096) & 0xffff_f000)) >>> 0,
      Math.floor(child / 2 ** 20) & 0xfffff,
    );
    return child;
  }

  private pushFlush(range: boolean, pages: number): void {
    if (this.flushAll) return;
    if ((range && pages > 32) || this.flushOps >= 32) {
      this.flushAll = true;
      this.flushOps = 1;
    } else this.flushOps++;
  }

  /** `mmap`: a cursor over [start, end) (nodes down to its guard level), then alloc + map each page. */
  mmap(start: number, end: number): void {
    const guard = guardLevel(start, end);
    let node = this.root;
    for (let level = 4; level > guard; level--)
      node = this.childOrCreate(node, level, indexAt(start, level));
    const m = this.meta;
    for (let vpn = start; vpn < end; vpn++) {
      const pfn = this.find();
      if (pfn < 0) throw new Error('reference: out of frames');
      const b = pfn * 16;
      m[b + W_RC_LO] = 1;
      m[b + W_RC_HI] = 0;
      m[b + W_USAGE] = U_FRAME;
      m[b + W_STORAGE] = S_UNTYPED;
      m[b + W_VTABLE] = V_UNTYPED;
      let n = this.root;
      n = this.childOrCreate(n, 4, ((vpn / DIV4) | 0) & 511);
      n = this.childOrCreate(n, 3, ((vpn / DIV3) | 0) & 511);
      n = this.childOrCreate(n, 2, ((vpn / DIV2) | 0) & 511);
      const idx = vpn & 511;
      const old = this.word(n, idx * 2);
      this.setPte(
        n,
        idx,
        (this.leafLo | ((pfn * 4096) & 0xffff_f000)) >>> 0,
        (this.leafHi | (Math.floor(pfn / 2 ** 20) & 0xfffff)) >>> 0,
      );
      m[b + W_PATHS]++;
      if (old & PRESENT_OR_HUGE) {
        this.pushFlush(false, 1);
        this.freedFrames.push((this.word(n, idx * 2 + 1) & 0xfffff) * 2 ** 20 + (old >>> 12));
      }
    }
    this.dispatch();
  }

  /** `unmap`: clear every entry starting in [start, end); child nodes wholly inside, below the guard, go whole (stray). */
  unmap(start: number, end: number): void {
    this.take(this.root, 4, 0, start, end, guardLevel(start, end));
    this.dispatch();
  }

  private take(
    node: number,
    level: number,
    base: number,
    from: number,
    to: number,
    guard: number,
  ): void {
    const ep = ENTRY_PAGES[level]!;
    const i0 = from > base ? Math.floor((from - base) / ep) : 0;
    for (let i = i0; i < 512; i++) {
      const cb = base + i * ep;
      if (cb >= to) break;
      const lo = this.word(node, i * 2);
      if (!(lo & PRESENT_OR_HUGE)) continue;
      const pfn = (this.word(node, i * 2 + 1) & 0xfffff) * 2 ** 20 + (lo >>> 12);
      if (lo & HUGE || level === 1) {
        if (cb < from) continue;
        this.setPte(node, i, 0, 0);
        this.pushFlush(false, 1);
        this.freedFrames.push(pfn);
      } else if (level <= guard && cb >= from && cb + ep <= to) {
        this.setPte(node, i, 0, 0);
        this.pushFlush(true, ep);
        this.strays.push(pfn, level - 1);
      } else this.take(pfn, level - 1, cb, from, to, guard);
    }
  }

  /** The flusher's dispatch: then release the frames and stray nodes it kept alive. */
  private dispatch(): void {
    for (const pfn of this.freedFrames) this.unmapRef(pfn);
    for (let k = 0; k < this.strays.length; k += 2)
      this.releaseStray(this.strays[k]!, this.strays[k + 1]!);
    this.freedFrames.length = 0;
    this.strays.length = 0;
    this.flushOps = 0;
    this.flushAll = false;
  }

  private releaseStray(node: number, level: number): void {
    for (let i = 0; i < 512; i++) {
      const lo = this.word(node, i * 2);
      if (!(lo & PRESENT_OR_HUGE)) continue;
      const pfn = (this.word(node, i * 2 + 1) & 0xfffff) * 2 ** 20 + (lo >>> 12);
      if (lo & HUGE || level === 1) this.unmapRef(pfn);
      else this.releaseStray(pfn, level - 1);
    }
    this.freeNode(node);
  }

  private unmapRef(pfn: number): void {
    const b = pfn * 16;
    const m = this.meta;
    if (m[b + W_PATHS]! > 0) m[b + W_PATHS]--;
    if (m[b + W_RC_HI] === 0 && m[b + W_RC_LO] === 1) {
      m[b + W_STORAGE] = 0;
      m[b + W_VTABLE] = 0;
      m[b + W_RC_LO] = UNUSED32;
      m[b + W_RC_HI] = UNUSED32;
      if (pfn < this.hint) this.hint = pfn;
    } else if (m[b + W_RC_HI] === 0) m[b + W_RC_LO]--;
    else throw new Error(`reference: unexpected refcount at frame ${pfn}`);
  }

  private freeNode(pfn: number): void {
    const b = pfn * 16;
    const m = this.meta;
    m[b + W_PATHS] = 0;
    m[b + W_PT_NR_CHILDREN] = 0;
    m[b + W_PT_LEVEL] = 0;
    m[b + W_STORAGE] = 0;
    m[b + W_VTABLE] = 0;
    m[b + W_RC_LO] = UNUSED32;
    m[b + W_RC_HI] = UNUSED32;
    if (pfn < this.hint) this.hint = pfn;
  }

  /** The frame mapped at `vpn`, or -1 (for cross-checking translations with the engine). */
  translate(vpn: number): number {
    let n = this.root;
    for (let level = 4; level >= 1; level--) {
      const idx = indexAt(vpn, level);
      const lo = this.word(n, idx * 2);
      if (!(lo & PRESENT_OR_HUGE)) return -1;
      n = (this.word(n, idx * 2 + 1) & 0xfffff) * 2 ** 20 + (lo >>> 12);
      if (lo & HUGE || level === 1) return n + (vpn % ENTRY_PAGES[level]!);
    }
    return -1;
  }
}

/** The metadata words RefMm keeps (the engine may keep more, e.g. ghost counters). */
export const MODELED_WORDS = [
  W_RC_LO,
  W_RC_HI,
  W_USAGE,
  W_STORAGE,
  W_VTABLE,
  W_PT_NR_CHILDREN,
  W_PT_LEVEL,
  W_PATHS,
];

/** The first modeled metadata word where the engine's and the reference's differ; null if none. */
export function metaDiff(engine: Uint32Array, ref: Uint32Array): string | null {
  if (engine.length !== ref.length) return 'metadata sizes differ';
  for (let b = 0; b < engine.length; b += 16)
    for (const w of MODELED_WORDS)
      if (engine[b + w] !== ref[b + w])
        return `frame ${b / 16} word ${w}: engine ${engine[b + w]}, reference ${ref[b + w]}`;
  return null;
}
