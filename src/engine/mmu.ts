// The MMU: what a CPU's hardware does for one user-mode access. Probe the CPU's TLB; on a miss,
// walk the page table in simulated memory, check the leaf's permissions, fill the least recently
// used way of the set and set ACCESSED (and DIRTY on a write) in the PTE. It reads and writes the
// Tlb's and PhysMem's typed arrays directly, with the probe and the fill written out in
// `translate` rather than called as Tlb methods: this runs once per page a command touches, and
// as three method calls (probe, walk, fill) the miss path cost twice as much (bench `translations`).
import {
  PTE_ACCESSED as PTE_ACCESSED_,
  PTE_DIRTY as PTE_DIRTY_,
  PTE_GLOBAL as PTE_GLOBAL_,
  PTE_PRESENT as PTE_PRESENT_,
  PTE_USER as PTE_USER_,
  PTE_WRITABLE as PTE_WRITABLE_,
  PTEH_ADDR as PTEH_ADDR_,
  PTEH_NO_EXECUTE as PTEH_NO_EXECUTE_,
  ptePaddr,
} from './arch';
import type { PhysMem } from './mem';
import { entryPages, indexAt, walkInto, type LeafRef } from './page_table/node';
import {
  TE_DIRTY as TE_DIRTY_,
  TE_EXEC as TE_EXEC_,
  TE_GLOBAL as TE_GLOBAL_,
  TE_USER as TE_USER_,
  TE_VALID as TE_VALID_,
  TE_WRITABLE as TE_WRITABLE_,
  TLB_WAYS as TLB_WAYS_,
  type Tlb,
} from './tlb';

export const FAULT_NONE = 0;
export const FAULT_NOT_PRESENT = 1;
export const FAULT_KERNEL_PAGE = 2;
export const FAULT_READ_ONLY = 3;
export const FAULT_TLB_DENIED = 4;

/** Flags bits 0 (valid) and 8..11 (leaf level), and their values for 4 KiB / 2 MiB entries. */
const LEVEL_AND_VALID = 0xf01;
const SMALL_VALID = 0x101;
const HUGE_VALID = 0x201;
const GIANT_VALID = 0x301;
/** 4 KiB pages in a 1 GiB page. */
const GIANT_PAGES = 512 * 512;

const MEMO_SIZE = 512;

// Module-local copies of the imported constants this file's hot path uses. Under Node's ESM
// loader (the CLI, tests and bench run through tsx) every use of an imported binding loads a
// module cell and checks it for the hole; local constants compile to immediates. Measured: ≈ 8 ns
// of a ≈ 36 ns TLB miss.
const TLB_WAYS = TLB_WAYS_;
const TE_USER = TE_USER_;
const TE_VALID = TE_VALID_;
const TE_WRITABLE = TE_WRITABLE_;
const TE_GLOBAL = TE_GLOBAL_;
const TE_EXEC = TE_EXEC_;
const TE_DIRTY = TE_DIRTY_;
const PTE_PRESENT = PTE_PRESENT_;
const PTE_USER = PTE_USER_;
const PTE_WRITABLE = PTE_WRITABLE_;
const PTE_GLOBAL = PTE_GLOBAL_;
const PTE_DIRTY = PTE_DIRTY_;
const PTE_ACCESSED = PTE_ACCESSED_;
const PTEH_NO_EXECUTE = PTEH_NO_EXECUTE_;
const PTEH_ADDR = PTEH_ADDR_;

// Fields are `declare`d and set in the constructor (see Tlb for why).
export class Mmu {
  /** Whether the last translation hit the TLB. */
  hit = false;
  /** FAULT_* of the last translation. */
  fault = FAULT_NONE;
  /** The level where the last walk ended: its leaf's, or the empty entry's that stopped it. */
  level = 0;
  /** Scratch for walks off the fast path. */
  private readonly leaf: LeafRef = { level: 0, node: 0, idx: 0, lo: 0, hi: 0 };

  declare private readonly mem: PhysMem;
  declare private readonly tlb: Tlb;
  declare private readonly tvpn: Float64Array;
  declare private readonly tpfn: Int32Array;
  declare private readonly tflags: Int32Array;
  declare private readonly tage: Int32Array;
  declare private readonly tgen: Int32Array;
  declare private readonly clock: Int32Array;
  declare private readonly huge: Int32Array;
  /** Per CPU, the entry of its last 4 KiB hit or fill (a hint, checked like any way; not state). */
  declare private readonly lastHit: Int32Array;
  declare private readonly entries: number;
  declare private readonly sets: number;
  /** sets - 1 when `sets` is a power of two (index by mask), else -1 (index by remainder). */
  declare private readonly setMask: number;

  // The walk memo: per 2 MiB region, the level-1 node a walk from `root` reached and its pool
  // page, recorded at PhysMem.watchEpoch. Recording marks the three nodes above it as watched, and
  // any change of a watched node's words (rollbacks included) or of any frame's pool page advances
  // the epoch, so an entry is used only while the walk would still reach the same node: unlike a
  // hardware paging-structure cache it is never stale, and nothing outside the simulator can
  // observe it. Never journaled or imaged.
  declare private readonly memoRoot: Int32Array;
  declare private readonly memoRegion: Float64Array;
  declare private readonly memoEpoch: Float64Array;
  declare private readonly memoLeaf: Int32Array;
  declare private readonly memoSlot: Int32Array;

  constructor(mem: PhysMem, tlb: Tlb) {
    this.mem = mem;
    this.tlb = tlb;
    this.tvpn = tlb.vpn;
    this.tpfn = tlb.pfn;
    this.tflags = tlb.flags;
    this.tage = tlb.age;
    this.tgen = tlb.gen;
    this.clock = tlb.clock;
    this.huge = tlb.huge;
    this.lastHit = Int32Array.from({ length: tlb.cpus }, (_, c) => c * tlb.entries);
    this.entries = tlb.entries;
    this.sets = tlb.sets;
    this.setMask = (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
    this.memoRoot = new Int32Array(MEMO_SIZE).fill(-1);
    this.memoRegion = new Float64Array(MEMO_SIZE);
    this.memoEpoch = new Float64Array(MEMO_SIZE);
    this.memoLeaf = new Int32Array(MEMO_SIZE);
    this.memoSlot = new Int32Array(MEMO_SIZE);
  }

  /**
   * One user-mode access by `cpu` (whose CR3 is `root`) to page `vpn`. Returns the frame, or -1
   * with `fault` set; `hit` says whether the TLB answered, `level` where a walk ended.
   */
  translate(cpu: number, root: number, vpn: number, write: boolean): number {
    const tv = this.tvpn;
    const tf = this.tflags;
    // The way this CPU hit last, first: a run of accesses to one page costs one compare. It is
    // the same test as the set scan (a page sits in at most one way), so the answer is the same.
    const last = this.lastHit[cpu]!;
    if (tv[last] === vpn && (tf[last]! & LEVEL_AND_VALID) === SMALL_VALID) {
      // Most accesses in a run: allowed, nothing to record (the entry is already the most recent
      // and, for a write, already DIRTY). Anything else goes through hitEntry.
      const f = tf[last]!;
      if (
        f & TE_USER &&
        (!write || (f & (TE_WRITABLE | TE_DIRTY)) === (TE_WRITABLE | TE_DIRTY)) &&
        this.tage[last] === this.clock[0]
      ) {
        this.hit = true;
        this.fault = FAULT_NONE;
        return this.tpfn[last]!;
      }
      return this.hitEntry(last, root, vpn, write);
    }
    const small = vpn < 0x8000_0000;
    const set = cpu * this.entries + this.setOf(vpn, small) * TLB_WAYS;
    // The four ways written out (a page sits in at most one valid way; an invalid way's page
    // number may be stale, so the flags are asked on a match).
    const hitWay =
      tv[set] === vpn && (tf[set]! & LEVEL_AND_VALID) === SMALL_VALID
        ? set
        : tv[set + 1] === vpn && (tf[set + 1]! & LEVEL_AND_VALID) === SMALL_VALID
          ? set + 1
          : tv[set + 2] === vpn && (tf[set + 2]! & LEVEL_AND_VALID) === SMALL_VALID
            ? set + 2
            : tv[set + 3] === vpn && (tf[set + 3]! & LEVEL_AND_VALID) === SMALL_VALID
              ? set + 3
              : -1;
    if (hitWay >= 0) {
      this.lastHit[cpu] = hitWay;
      return this.hitEntry(hitWay, root, vpn, write);
    }
    // 2 MiB and 1 GiB entries exist only where a huge leaf was walked (only raw PTE writes make
    // one in a user space). Each is filed under its base's 2 MiB number, as the fill does.
    if (this.huge[cpu] !== 0) {
      const base = vpn - (vpn % 512);
      const hset = cpu * this.entries + this.setOf(base / 512, true) * TLB_WAYS;
      for (let i = hset; i < hset + TLB_WAYS; i++)
        if (tv[i] === base && (tf[i]! & LEVEL_AND_VALID) === HUGE_VALID)
          return this.hitEntry(i, root, vpn, write);
      // A 1 GiB leaf is representable (vostd §1) though map never makes one: the hardware caches
      // it as one entry that every address inside hits.
      const gbase = vpn - (vpn % GIANT_PAGES);
      const gset = cpu * this.entries + this.setOf(gbase / 512, true) * TLB_WAYS;
      for (let i = gset; i < gset + TLB_WAYS; i++)
        if (tv[i] === gbase && (tf[i]! & LEVEL_AND_VALID) === GIANT_VALID)
          return this.hitEntry(i, root, vpn, write);
    }

    // The miss: walk (through the memo when it holds the leaf's node), check, fill.
    this.hit = false;
    const mem = this.mem;
    const k = this.memoIndex(root, vpn, small);
    let node: number, idx: number, lo: number, hi: number, level: number;
    if (k >= 0) {
      node = this.memoLeaf[k]!;
      idx = small ? (vpn | 0) & 511 : vpn % 512;
      const p = this.memoSlot[k]!;
      const e = (p << 10) + (idx << 1);
      lo = p < 0 ? 0 : mem.pool[e]! | 0;
      hi = p < 0 ? 0 : mem.pool[e + 1]! | 0;
      level = 1;
    } else {
      const leaf = this.leaf;
      this.walk(root, vpn, leaf);
      ({ node, idx, lo, hi, level } = leaf);
    }
    this.level = level;
    if (!(lo & PTE_PRESENT)) {
      this.fault = FAULT_NOT_PRESENT;
      return -1;
    }
    if (!(lo & PTE_USER)) {
      this.fault = FAULT_KERNEL_PAGE;
      return -1;
    }
    if (write && !(lo & PTE_WRITABLE)) {
      this.fault = FAULT_READ_ONLY;
      return -1;
    }
    this.fault = FAULT_NONE;
    // Integer arithmetic in the common case (a 4 KiB leaf below 4 GiB of physical memory).
    const base = level === 1 ? vpn : vpn - (vpn % entryPages(level));
    const hiAddr = hi & PTEH_ADDR;
    const pfn = hiAddr === 0 ? lo >>> 12 : hiAddr * 2 ** 20 + (lo >>> 12);
    let te = TE_USER | TE_VALID | (level << 8);
    if (lo & PTE_WRITABLE) te |= TE_WRITABLE;
    if (lo & PTE_GLOBAL) te |= TE_GLOBAL;
    if (!(hi & PTEH_NO_EXECUTE)) te |= TE_EXEC;
    if (write || lo & PTE_DIRTY) te |= TE_DIRTY;

    // The fill: an invalid way of the set, else the least recently used one.
    const first = level === 1 ? set : cpu * this.entries + this.setOf(base / 512, true) * TLB_WAYS;
    const age = this.tage;
    let i: number;
    const v0 = tf[first]!;
    const v1 = tf[first + 1]!;
    const v2 = tf[first + 2]!;
    const v3 = tf[first + 3]!;
    if ((v0 & v1 & v2 & v3 & TE_VALID) === 0) {
      i = !(v0 & TE_VALID)
        ? first
        : !(v1 & TE_VALID)
          ? first + 1
          : !(v2 & TE_VALID)
            ? first + 2
            : first + 3;
    } else {
      // A tournament without branches (which way is older is a coin toss on random misses): the
      // older of ways 0 and 1, of ways 2 and 3, then of the two.
      const a0 = age[first]!;
      const a1 = age[first + 1]!;
      const a2 = age[first + 2]!;
      const a3 = age[first + 3]!;
      const o1 = ((a1 - a0) | 0) >> 31; // all ones when a1 is before a0 (clock order)
      const o3 = ((a3 - a2) | 0) >> 31;
      const a01 = (a1 & o1) | (a0 & ~o1);
      const a23 = (a3 & o3) | (a2 & ~o3);
      const i01 = first + (1 & o1);
      const i23 = first + 2 + (1 & o3);
      const o = ((a23 - a01) | 0) >> 31;
      i = (i23 & o) | (i01 & ~o);
    }
    const wasHuge = (tf[i]! & TE_VALID) !== 0 && (tf[i]! & LEVEL_AND_VALID) >= HUGE_VALID;
    if (wasHuge !== level >= 2) this.tlb.addHuge(cpu, level >= 2 ? 1 : -1);
    const clock = this.clock;
    const t = clock[0]! + 1;
    if (mem.journaling) this.tlb.journalEntry(i);
    tv[i] = base;
    this.tpfn[i] = pfn;
    tf[i] = te;
    this.tgen[i] = t;
    age[i] = t;
    clock[0] = t;
    if (level === 1) this.lastHit[cpu] = i;

    const nlo = lo | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
    if (nlo !== lo) mem.writeWord(node, idx * 8, nlo >>> 0);
    return pfn + (vpn - base);
  }

  /** A TLB hit on entry `i`: its permissions, the LRU touch, and DIRTY on a first write. */
  private hitEntry(i: number, root: number, vpn: number, write: boolean): number {
    this.hit = true;
    const f = this.tflags[i]!;
    if (!(f & TE_USER) || (write && !(f & TE_WRITABLE))) {
      this.fault = FAULT_TLB_DENIED;
      return -1;
    }
    this.fault = FAULT_NONE;
    this.tlb.touch(i);
    if (write && !(f & TE_DIRTY)) {
      // The hardware walks once more to set DIRTY in the PTE.
      const leaf = this.leaf;
      if (this.walk(root, vpn, leaf) && !(leaf.lo & PTE_DIRTY))
        this.mem.writeWord(leaf.node, leaf.idx * 8, (leaf.lo | PTE_ACCESSED | PTE_DIRTY) >>> 0);
      this.tlb.setFlags(i, f | TE_DIRTY);
    }
    return this.tpfn[i]! + (vpn - this.tvpn[i]!);
  }

  /**
   * The set of a 4 KiB page number, or of a 2 MiB page's number (its base / 512): by mask when
   * the key fits in 31 bits and the set count is a power of two, else by remainder.
   */
  private setOf(key: number, small: boolean): number {
    return this.setMask >= 0 && small ? key & this.setMask : key % this.sets;
  }

  /** `walkInto` through the memo. Fills `out`; true when a present leaf was found. */
  walk(root: number, vpn: number, out: LeafRef): boolean {
    const small = vpn < 0x8000_0000;
    const k = this.memoIndex(root, vpn, small);
    if (k < 0) {
      const found = walkInto(this.mem, root, vpn, out);
      if (out.level === 1) this.remember(root, vpn);
      return found;
    }
    const node = this.memoLeaf[k]!;
    const idx = small ? (vpn | 0) & 511 : vpn % 512;
    out.level = 1;
    out.node = node;
    out.idx = idx;
    out.lo = this.mem.readWord(node, idx * 8) | 0;
    out.hi = this.mem.readWord(node, idx * 8 + 4) | 0;
    return (out.lo & 0x81) !== 0;
  }

  /** The memo's entry for `vpn`'s 2 MiB region. */
  private memoKey(vpn: number, small: boolean): number {
    return small ? ((vpn | 0) >>> 9) & (MEMO_SIZE - 1) : Math.floor(vpn / 512) % MEMO_SIZE;
  }

  /** The memo entry holding the level-1 node a walk from `root` reaches for `vpn`, if valid; else -1. */
  private memoIndex(root: number, vpn: number, small: boolean): number {
    const k = this.memoKey(vpn, small);
    return this.memoRoot[k] === root &&
      this.memoRegion[k] === (small ? (vpn | 0) >>> 9 : Math.floor(vpn / 512)) &&
      this.memoEpoch[k] === this.mem.watchEpoch
      ? k
      : -1;
  }

  /** The walk reached level 1: record the node, watching the three above it. */
  private remember(root: number, vpn: number): void {
    const mem = this.mem;
    const small = vpn < 0x8000_0000;
    const k = this.memoKey(vpn, small);
    let node = root;
    for (let level = 4; level >= 2; level--) {
      mem.watched[node] = 1;
      const idx = indexAt(vpn, level);
      const lo = mem.readWord(node, idx * 8);
      node = ptePaddr(lo, mem.readWord(node, idx * 8 + 4)) / 4096;
    }
    this.memoRoot[k] = root;
    this.memoRegion[k] = small ? (vpn | 0) >>> 9 : Math.floor(vpn / 512);
    this.memoEpoch[k] = mem.watchEpoch;
    this.memoLeaf[k] = node;
    this.memoSlot[k] = mem.pageSlot[node]!;
  }
}
