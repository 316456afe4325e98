// The layout of the simulation's SharedArrayBuffers as the UI reads them: metadata slots (16 u32
// words a frame), the frame-contents pool (page-slot table + one flat pool of pages, where page-table nodes
// live) and the per-CPU TLB arrays; plus the x86-64 PTE and TLB-entry bits. Plain constants and
// pure readers over typed arrays, no engine import: the app may use them at run time.
// snapshot.test.ts checks every constant here against the engine.

/** u32 words per metadata slot, and the word of each field (engine: frame/meta.ts). */
export const SLOT_WORDS = 16;
export const W_RC_LO = 0;
export const W_RC_HI = 1;
export const W_USAGE = 2;
export const W_STORAGE = 3;
export const W_VTABLE = 4;
export const W_IN_LIST = 5;
export const W_PT_NR_CHILDREN = 6;
export const W_PT_LEVEL = 7;
export const W_PT_STRAY = 8;
export const W_PT_LOCK = 9;
export const W_PATHS = 10;
export const W_OBLIG = 11;
export const W_GEN = 12;

/** Refcount sentinels as decoded by `decodeRc` (the slot holds OSTD's u64 values). */
export const RC_UNUSED = -1;
export const RC_UNIQUE = -2;
export const RC_BAND = -3;

export const USAGE_NAMES = [
  'Unused',
  'Reserved',
  'Frame',
  'PageTable',
  'Meta',
  'Kernel',
  'MMIO',
] as const;
export const U_UNUSED = 0;
export const U_RESERVED = 1;
export const U_FRAME = 2;
export const U_PAGETABLE = 3;
export const U_META = 4;
export const U_KERNEL = 5;
export const U_MMIO = 6;
export const STORAGE_NAMES = ['uninit', 'Empty', 'Untyped', 'FrameLink', 'PTNode'] as const;
export const VTABLE_NAMES = ['uninit', 'Untyped', 'PageTablePage', 'MetaPage', 'Kernel'] as const;

export function decodeRc(lo: number, hi: number): number {
  if (hi >= 0x8000_0000) {
    if (hi === 0xffff_ffff && lo === 0xffff_ffff) return RC_UNUSED;
    if (hi === 0xffff_ffff && lo === 0xffff_fffe) return RC_UNIQUE;
    return RC_BAND;
  }
  return hi * 2 ** 32 + lo;
}

export function slotRc(meta: Uint32Array, pfn: number): number {
  return decodeRc(meta[pfn * SLOT_WORDS + W_RC_LO]!, meta[pfn * SLOT_WORDS + W_RC_HI]!);
}

export function rcText(rc: number): string {
  if (rc === RC_UNUSED) return 'UNUSED';
  if (rc === RC_UNIQUE) return 'UNIQUE';
  if (rc === RC_BAND) return 'OVERFLOW';
  return String(rc);
}

// ---- frame classes (what the frames view colours; computed in the worker, one byte a frame) ----

/** A larger code wins when several frames share a pixel. */
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
export const FC_COUNT = 12;

/** The class of a frame from its usage, decoded refcount and paths_in_pt (DMA is applied after). */
export function frameClass(usage: number, rc: number, paths: number): number {
  if (usage === U_FRAME) {
    if (rc === RC_UNUSED) return FC_FREED;
    if (rc === RC_UNIQUE) return FC_UNIQUE;
    if (rc === RC_BAND || rc === 0) return FC_BAD;
    if (rc >= 2) return FC_SHARED;
    return paths > 0 ? FC_MAPPED : FC_HELD;
  }
  if (usage === U_UNUSED) return rc === RC_UNUSED ? FC_FREE : FC_BAD;
  if (usage === U_PAGETABLE) return rc === RC_UNUSED ? FC_FREED : FC_PT;
  if (usage === U_META) return FC_META;
  if (usage === U_RESERVED) return FC_RESERVED;
  if (usage === U_KERNEL || usage === U_MMIO) return FC_KERNEL;
  return FC_BAD;
}

// ---- frame contents (page-table nodes are read from here) -----------------------------------

export const PAGE_BYTES = 4096;
export const PAGE_WORDS = PAGE_BYTES / 4;
/** Reads words of frames from the pool: pageSlot maps pfn → pool page (-1: never written, zeros). */
export class FrameReader {
  private readonly pool: Uint32Array;
  private readonly slot: Int32Array;
  constructor(pageSlot: SharedArrayBuffer | ArrayBuffer, pool: SharedArrayBuffer | ArrayBuffer) {
    this.slot = new Int32Array(pageSlot);
    this.pool = new Uint32Array(pool);
  }
  word(pfn: number, off: number): number {
    const p = this.slot[pfn];
    if (p === undefined || p < 0) return 0;
    // A pool page past the end: the engine grew the pool after this snapshot; the next one has it.
    return this.pool[p * PAGE_WORDS + (off >>> 2)] ?? 0;
  }
  pteLo(node: number, idx: number): number {
    return this.word(node, idx * 8);
  }
  pteHi(node: number, idx: number): number {
    return this.word(node, idx * 8 + 4);
  }
}

// ---- x86-64 PTE bits (engine: arch/pte.ts) ---------------------------------------------------

export const PTE_PRESENT = 1 << 0;
export const PTE_WRITABLE = 1 << 1;
export const PTE_USER = 1 << 2;
export const PTE_WRITE_THROUGH = 1 << 3;
export const PTE_NO_CACHE = 1 << 4;
export const PTE_ACCESSED = 1 << 5;
export const PTE_DIRTY = 1 << 6;
/** vostd marks every leaf, at any level, with HUGE (PS). */
export const PTE_HUGE = 1 << 7;
export const PTE_GLOBAL = 1 << 8;
export const PTEH_NO_EXECUTE = (1 << 31) >>> 0;
export const PTE_ADDR_LO = 0xffff_f000;
export const PTEH_ADDR = 0x000f_ffff;

export function ptePresent(lo: number): boolean {
  return (lo & (PTE_PRESENT | PTE_HUGE)) !== 0;
}
export function pteLast(lo: number): boolean {
  return (lo & PTE_HUGE) !== 0;
}
export function ptePfn(lo: number, hi: number): number {
  return ((hi & PTEH_ADDR) * 2 ** 32 + ((lo & PTE_ADDR_LO) >>> 0)) / PAGE_BYTES;
}
/** "rwx"-style permissions of a leaf PTE. */
export function pteRwx(lo: number, hi: number): string {
  return (
    (lo & PTE_PRESENT ? 'r' : '-') +
    (lo & PTE_WRITABLE ? 'w' : '-') +
    (hi & PTEH_NO_EXECUTE ? '-' : 'x')
  );
}
/** Every readable flag of a leaf PTE: rwx, cache policy, U(ser) G(lobal) A(ccessed) D(irty). */
export function pteFlagsText(lo: number, hi: number): string {
  const cache = lo & PTE_NO_CACHE ? 'uc' : lo & PTE_WRITE_THROUGH ? 'wt' : 'wb';
  let s = `${pteRwx(lo, hi)} ${cache}`;
  if (lo & PTE_USER) s += ' U';
  if (lo & PTE_GLOBAL) s += ' G';
  if (lo & PTE_ACCESSED) s += ' A';
  if (lo & PTE_DIRTY) s += ' D';
  return s;
}

/** Permission bits of a mapping run (Snapshot `SpaceInfo.runs`). */
export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;
export const PERM_USER = 8;
export const PERM_GLOBAL = 16;

/** Pages one entry at `level` maps (1 = a 4 KiB leaf). */
export function entryPages(level: number): number {
  return 512 ** (level - 1);
}
export function pageSizeText(level: number): string {
  return level === 1 ? '4K' : level === 2 ? '2M' : level === 3 ? '1G' : '512G';
}

// ---- TLB entries (engine: tlb.ts) ------------------------------------------------------------

export const TLB_WAYS = 4;
export const TE_VALID = 1;
export const TE_WRITABLE = 2;
export const TE_USER = 4;
export const TE_GLOBAL = 8;
export const TE_DIRTY = 16;
export const TE_EXEC = 32;
/** The leaf level of an entry sits in bits 8..11 of its flags. */
export function teLevel(flags: number): number {
  return (flags >> 8) & 15;
}

/** Typed-array views of the TLB SharedArrayBuffers: entry i of cpu c is c·entries + set·4 + way. */
export interface TlbArrays {
  vpn: Float64Array;
  pfn: Int32Array;
  flags: Int32Array;
  age: Int32Array;
  gen: Int32Array;
  clock: Int32Array;
}

export function hex(n: number): string {
  return '0x' + n.toString(16);
}
/** A page number as a byte address (exact: page numbers stay below 2^52). */
export function vpnHex(vpn: number): string {
  return '0x' + (BigInt(vpn) * 4096n).toString(16);
}

/** The boot-layout region a frame lies in, in words (the same for the worker and the UI). */
export function regionOf(
  layout: {
    reserved: readonly number[];
    meta: readonly number[];
    kernelPt: readonly number[];
    kernelRoot: number;
    iommuRoot: number;
  },
  pfn: number,
): string {
  if (pfn < layout.reserved[1]!) return 'Reserved (the low 1 MiB)';
  if (pfn < layout.meta[1]!) return 'Meta (holds the metadata region)';
  if (pfn === layout.kernelRoot) return "the kernel page table's root";
  if (pfn === layout.iommuRoot) return "the IOMMU page table's root";
  if (pfn < layout.kernelPt[1]!) return 'the boot kernel page table';
  return 'the allocatable area';
}

/** The plain-number fields of a metadata slot, read through `w(word)` (worker and UI alike). */
export function slotFields(w: (word: number) => number) {
  return {
    vtable: w(W_VTABLE),
    inList: w(W_IN_LIST),
    paths: w(W_PATHS),
    obligations: w(W_OBLIG),
    ptLevel: w(W_PT_LEVEL),
    ptNrChildren: w(W_PT_NR_CHILDREN),
    ptStray: w(W_PT_STRAY),
    ptLock: w(W_PT_LOCK),
    gen: w(W_GEN),
  };
}

/**
 * The TLB entries, of every CPU, whose translation reaches frame `pfn` (a 2 MiB entry reaches its
 * 512 frames): for the frame inspector, worker-side and UI-side alike.
 */
export function tlbEntriesAt(
  t: { vpn: ArrayLike<number>; pfn: ArrayLike<number>; flags: ArrayLike<number> },
  entries: number,
  total: number,
  pfn: number,
  stale: ReadonlySet<number>,
): { cpu: number; index: number; vpn: number; stale: boolean }[] {
  const out: { cpu: number; index: number; vpn: number; stale: boolean }[] = [];
  for (let i = 0; i < total; i++) {
    const fl = t.flags[i]!;
    if (!(fl & TE_VALID)) continue;
    const size = ((fl >> 8) & 15) === 2 ? 512 : 1;
    const tp = t.pfn[i]!;
    if (pfn >= tp && pfn < tp + size)
      out.push({
        cpu: Math.floor(i / entries),
        index: i,
        vpn: t.vpn[i]! + (pfn - tp),
        stale: stale.has(i),
      });
  }
  return out;
}
