// What every invariant reads: the metadata slots, plus the references counted from their own
// sources (the handle table, segments, the forgotten-reference ledger, the page tables), so the
// checker never trusts a counter that the operations themselves keep.
import { PTEH_ADDR, pteIsLast, pteIsPresent, type PagingConsts } from '../arch';
import type { Tlb } from '../tlb';
import type { BootLayout } from '../core';
import { RC_UNUSED, W_OBLIG, W_PATHS, W_STORAGE, W_USAGE, readRc, Usage } from '../frame/meta';
import type { PhysMem } from '../mem';
import type { Forgotten, Ghost } from '../state';

export interface Violation {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  /** Page numbers of the blamed frames. */
  frames: number[];
  /** Names of the blamed handles. */
  handles: string[];
}

export interface Holders {
  /** Live Frame handle names by page. */
  frames: Map<number, string[]>;
  uniques: Map<number, string[]>;
  /** Live segments (and, later, DMA objects) covering each page. */
  covers: Map<number, string[]>;
  forgotten: Map<number, Forgotten>;
  /** Leaf mappings found by walking every page table: page → its leaves (named by `whereOf`). */
  mappings: Mappings;
  /** Kernel readers/writers: page → the names of those that borrow it (no reference held). */
  borrows: Map<number, string[]>;
  /** Page-table nodes found by walking: page → level and path text. */
  nodes: Map<number, { level: number; path: string }[]>;
}

export interface PtLeaf {
  space: string;
  vpn: number;
  pfn: number;
  level: number;
  lo: number;
  hi: number;
  /** Where the entry sits: its node and index there. */
  node: number;
  idx: number;
}

export interface CheckContext {
  tlb: Tlb;
  /** Every leaf of every VmSpace's user half, found by walking, in walk order. */
  leaves: LeafTable;
  consts: PagingConsts;
  layout: BootLayout;
  mem: PhysMem;
  ghost: Ghost;
  holders: Holders;
  /**
   * Slots worth looking at, in order: anything not in the pristine UNUSED state, and anything
   * referenced. (A page past the end of memory, which only a corrupt leaf names, has no slot:
   * pt.leaf_wf judges such leaves.)
   */
  interesting: Int32Array;
  /**
   * Per `interesting[k]`: its refcount (readRc) and usage word, read once here: several
   * invariants judge every page by them, and re-reading 2^18 slots (one cache line each) per
   * invariant cost more than their own work.
   */
  rcs: Float64Array;
  usages: Uint8Array;
  /** Incremental checking: the only pages to judge (holders and leaves are limited to them too). */
  scope?: ReadonlySet<number>;
}

/** What the reference maps have in common: the pages they hold something for. */
export interface PageKeyed {
  readonly size: number;
  has(p: number): boolean;
  keys(): Iterable<number>;
}

const NO_U8 = new Uint8Array(0);
const NO_U16 = new Uint16Array(0);
const NO_U32 = new Uint32Array(0);
const NO_I32 = new Int32Array(0);
const NO_F64 = new Float64Array(0);

/**
 * User leaves as columns, one row a leaf: a whole check of 2^18 mapped pages makes no object a leaf
 * (they cost more to make and collect than the invariants spent judging them). `at(k)` makes a
 * PtLeaf of row k, for the few places that name leaves.
 */
export class LeafTable {
  length = 0;
  private capacity = 0;
  /** Row k's space is `names[spaceOf[k]]` (a number a row, not a string in a 2^18-long array). */
  private readonly names: string[] = [];
  // Empty until the first leaf (shared empty arrays: most incremental contexts hold a leaf or two).
  spaceOf = NO_U16;
  vpn = NO_F64;
  pfn = NO_F64;
  level = NO_U8;
  lo = NO_U32;
  hi = NO_U32;
  node = NO_I32;
  idx = NO_U16;

  /** Appends a leaf; returns its row. */
  push(
    space: string,
    vpn: number,
    pfn: number,
    level: number,
    lo: number,
    hi: number,
    node: number,
    idx: number,
  ): number {
    const k = this.length;
    if (k === this.capacity) this.grow();
    // Leaves come tree by tree: the last name is almost always the one.
    let s = this.names.length - 1;
    if (s < 0 || this.names[s] !== space) {
      s = this.names.indexOf(space);
      if (s < 0) s = this.names.push(space) - 1;
    }
    this.spaceOf[k] = s;
    this.vpn[k] = vpn;
    this.pfn[k] = pfn;
    this.level[k] = level;
    this.lo[k] = lo;
    this.hi[k] = hi;
    this.node[k] = node;
    this.idx[k] = idx;
    this.length = k + 1;
    return k;
  }

  space(k: number): string {
    return this.names[this.spaceOf[k]!]!;
  }

  at(k: number): PtLeaf {
    return {
      space: this.space(k),
      vpn: this.vpn[k]!,
      pfn: this.pfn[k]!,
      level: this.level[k]!,
      lo: this.lo[k]!,
      hi: this.hi[k]!,
      node: this.node[k]!,
      idx: this.idx[k]!,
    };
  }

  private grow(): void {
    // From 8 rows: a small context's columns stay on V8's heap (arrays of ≤ 64 bytes get no
    // separate backing store, which costs far more to make than the few leaves they hold).
    const c = Math.max(8, this.capacity * 2);
    const more = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array | Uint16Array>(
      a: T,
      make: new (n: number) => T,
    ): T => {
      const b = new make(c);
      b.set(a);
      return b;
    };
    this.spaceOf = more(this.spaceOf, Uint16Array);
    this.vpn = more(this.vpn, Float64Array);
    this.pfn = more(this.pfn, Float64Array);
    this.level = more(this.level, Uint8Array);
    this.lo = more(this.lo, Uint32Array);
    this.hi = more(this.hi, Uint32Array);
    this.node = more(this.node, Int32Array);
    this.idx = more(this.idx, Uint16Array);
    this.capacity = c;
  }
}

/**
 * Page → the leaves mapping it, in walk order. Every mapped page is asked about by several
 * invariants, and pages are small dense integers, mostly mapped once: counts and chains live in
 * typed arrays indexed by page (a Map of 2^18 one-leaf arrays cost more than the rest of a full
 * check). Pages from `dense` up (past the end of memory: corrupt leaves) are kept aside in a Map;
 * a context of a few pages passes 0 and keeps them all there, allocating nothing per frame.
 */
export class Mappings implements PageKeyed {
  /** Per page: row + 1 of its first and last leaf (0: none), and its count. */
  declare private readonly head: Int32Array;
  declare private readonly tail: Int32Array;
  declare private readonly n: Int32Array;
  /** Per row: the next row + 1 of the same page (grown as rows come). */
  private next = NO_I32;
  private readonly far = new Map<number, number[]>();
  /** Pages in the order their first leaf was added. */
  private readonly order: number[] = [];

  constructor(
    dense: number,
    private readonly table: LeafTable,
  ) {
    this.head = dense ? new Int32Array(dense) : NO_I32;
    this.tail = dense ? new Int32Array(dense) : NO_I32;
    this.n = dense ? new Int32Array(dense) : NO_I32;
  }

  get size(): number {
    return this.order.length;
  }

  /** Adds row `k` of the table, under the frame it maps (`p`, the row's pfn). */
  add(k: number, p: number): void {
    if (p >= this.head.length) {
      const a = this.far.get(p);
      if (a) a.push(k);
      else {
        this.far.set(p, [k]);
        this.order.push(p);
      }
      return;
    }
    if (k >= this.next.length) {
      const bigger = new Int32Array(Math.max(16, this.next.length * 2, k + 1));
      bigger.set(this.next);
      this.next = bigger;
    }
    if (this.head[p] === 0) {
      this.head[p] = k + 1;
      this.order.push(p);
    } else this.next[this.tail[p]! - 1] = k + 1;
    this.tail[p] = k + 1;
    this.n[p]!++;
  }

  count(p: number): number {
    return p < this.n.length ? this.n[p]! : (this.far.get(p)?.length ?? 0);
  }

  has(p: number): boolean {
    return this.count(p) > 0;
  }

  /** The leaves mapping `p` (a new array), or undefined. */
  get(p: number): PtLeaf[] | undefined {
    if (p >= this.head.length) return this.far.get(p)?.map((k) => this.table.at(k));
    let id = this.head[p]!;
    if (id === 0) return undefined;
    const out: PtLeaf[] = [];
    for (; id !== 0; id = this.next[id - 1]!) out.push(this.table.at(id - 1));
    return out;
  }

  keys(): readonly number[] {
    return this.order;
  }
}

function push(m: Map<number, string[]>, k: number, v: string): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

export function countOf(m: Map<number, readonly unknown[]>, k: number): number {
  // Most maps are empty or tiny while every page is asked about: skip the hash lookup then.
  return m.size === 0 ? 0 : (m.get(k)?.length ?? 0);
}

function walkTree(
  mem: PhysMem,
  space: string,
  node: number,
  level: number,
  base: number,
  path: string,
  user: boolean,
  holders: Holders,
  leaves: LeafTable,
): void {
  const list = holders.nodes.get(node);
  const entry = { level, path: `${space}:${path || 'root'}` };
  if (list) list.push(entry);
  else holders.nodes.set(node, [entry]);
  if (list) return; // reached twice: pt.node_wf reports it; do not walk it twice
  const ep = 512 ** (level - 1);
  // The node's words straight from the pool (a whole check reads every entry of every node).
  const slot = mem.pageSlot[node]!;
  if (slot < 0) return; // never written: every entry is empty
  const pool = mem.pool;
  const w = slot * 1024;
  const end = user && level === 4 ? 256 : 512; // a user root's kernel half: walked from the kernel root
  for (let i = 0; i < end; i++) {
    const lo = pool[w + 2 * i]!;
    if (!pteIsPresent(lo)) continue;
    const hi = pool[w + 2 * i + 1]!;
    // In integers while the address is below 4 GiB (as ptePaddr / 4096 otherwise).
    const ha = hi & PTEH_ADDR;
    const pfn = ha === 0 ? lo >>> 12 : ha * 2 ** 20 + (lo >>> 12);
    if (pteIsLast(lo) || level === 1) {
      if (user)
        holders.mappings.add(leaves.push(space, base + i * ep, pfn, level, lo, hi, node, i), pfn);
    } else if (pfn < mem.nframes)
      walkTree(mem, space, pfn, level - 1, base + i * ep, `${path}[${i}]`, user, holders, leaves);
  }
}

/** A walked tree without user leaves (the kernel's, the IOMMU's): its nodes and their versions. */
interface TreeCache {
  root: number;
  nodes: [number, { level: number; path: string }][];
  versions: [number, number][];
}
const treeCaches = new WeakMap<PhysMem, Map<string, TreeCache>>();

/**
 * Walks a tree that holds no user leaves, reusing the last walk when none of its nodes changed
 * since (the kernel page table has 258+ nodes and almost never changes).
 */
function walkSharedTree(
  mem: PhysMem,
  name: string,
  root: number,
  holders: Holders,
  leaves: LeafTable,
): void {
  let caches = treeCaches.get(mem);
  if (!caches) treeCaches.set(mem, (caches = new Map()));
  const c = caches.get(name);
  if (c && c.root === root && c.versions.every(([p, v]) => mem.version[p] === v)) {
    for (const [p, e] of c.nodes) {
      const list = holders.nodes.get(p);
      if (list) list.push({ ...e });
      else holders.nodes.set(p, [{ ...e }]);
    }
    return;
  }
  const mine: Holders = { ...holders, nodes: new Map() };
  walkTree(mem, name, root, 4, 0, '', false, mine, leaves);
  const nodes: TreeCache['nodes'] = [];
  for (const [p, list] of mine.nodes) for (const e of list) nodes.push([p, e]);
  caches.set(name, {
    root,
    nodes,
    versions: [...mine.nodes.keys()].map((p) => [p, mem.version[p]!]),
  });
  for (const [p, e] of nodes) {
    const list = holders.nodes.get(p);
    if (list) list.push({ ...e });
    else holders.nodes.set(p, [{ ...e }]);
  }
}

/** The references the handle table holds (to the pages in `only`, when given). */
export function addHandleHolders(ghost: Ghost, holders: Holders, only?: ReadonlySet<number>): void {
  for (const h of ghost.handles.values()) {
    if (h.kind === 'frame') pushIf(holders.frames, h.pfn, h.name, only);
    else if (h.kind === 'unique') pushIf(holders.uniques, h.pfn, h.name, only);
    else if ((h.kind === 'reader' || h.kind === 'writer') && h.vs === null)
      for (let p = Math.floor(h.start / 4096); p < Math.ceil(h.end / 4096); p++)
        pushIf(holders.borrows, p, h.name, only);
    else if (h.kind === 'segment' || h.kind === 'dma')
      for (let p = h.start; p < h.end; p++) pushIf(holders.covers, p, h.name, only);
  }
}

function pushIf(
  m: Map<number, string[]>,
  p: number,
  name: string,
  only: ReadonlySet<number> | undefined,
): void {
  if (!only || only.has(p)) push(m, p, name);
}

/** Every map of pages to what refers to them: a page in any of them is worth judging. */
export function referenceMaps(h: Holders): PageKeyed[] {
  return [h.frames, h.uniques, h.covers, h.mappings, h.nodes, h.forgotten];
}

/** The `rcs` and `usages` columns for `pages` (CheckContext). */
export function slotFacts(mem: PhysMem, pages: Int32Array): Pick<CheckContext, 'rcs' | 'usages'> {
  const rcs = new Float64Array(pages.length);
  const usages = new Uint8Array(pages.length);
  for (let k = 0; k < pages.length; k++) {
    rcs[k] = readRc(mem, pages[k]!);
    usages[k] = mem.slotWord(pages[k]!, W_USAGE);
  }
  return { rcs, usages };
}

/** A slot not in the pristine UNUSED state. */
export function isInteresting(mem: PhysMem, i: number): boolean {
  return (
    readRc(mem, i) !== RC_UNUSED ||
    mem.slotWord(i, W_STORAGE) !== 0 ||
    mem.slotWord(i, W_PATHS) !== 0 ||
    mem.slotWord(i, W_OBLIG) !== 0 ||
    mem.slotWord(i, W_USAGE) === Usage.Frame
  );
}

export function buildContext(
  consts: PagingConsts,
  layout: BootLayout,
  mem: PhysMem,
  ghost: Ghost,
  tlb: Tlb,
  candidates?: Uint8Array,
): CheckContext {
  const leaves = new LeafTable();
  const holders: Holders = {
    frames: new Map(),
    uniques: new Map(),
    covers: new Map(),
    forgotten: ghost.forgotten,
    mappings: new Mappings(layout.nframes, leaves),
    nodes: new Map(),
    borrows: new Map(),
  };
  addHandleHolders(ghost, holders);
  walkSharedTree(mem, 'kernel', layout.kernelRoot, holders, leaves);
  if (layout.iommuRoot >= 0) walkSharedTree(mem, 'iommu', layout.iommuRoot, holders, leaves);
  for (const h of ghost.handles.values())
    if (h.kind === 'vmspace') walkTree(mem, h.name, h.root, 4, 0, '', true, holders, leaves);
  // Marks, not a set: the list comes out in order without sorting 10^5 pages.
  const n = layout.nframes;
  const seen = new Uint8Array(n);
  for (const m of referenceMaps(holders)) for (const k of m.keys()) if (k < n) seen[k] = 1;
  // Only slots that ever left their boot state can be interesting: the machine marks them, so a
  // 2 GiB machine costs what it uses, not its size. Without the marks, look at every slot.
  // A referenced page is judged anyway: its slot need not be read here.
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (seen[i] || ((!candidates || candidates[i]) && isInteresting(mem, i))) {
      seen[i] = 1;
      count++;
    }
  }
  const interesting = new Int32Array(count);
  for (let i = 0, k = 0; k < count; i++) if (seen[i]) interesting[k++] = i;
  const { rcs, usages } = slotFacts(mem, interesting);
  return { tlb, leaves, consts, layout, mem, ghost, holders, interesting, rcs, usages };
}

/** A mapping as messages name it: `space@0xVA`. */
export function whereOf(l: PtLeaf): string {
  return `${l.space}@0x${(l.vpn * 4096).toString(16)}`;
}

/** The mappings of page `p`, named. */
export function mappingNames(ctx: CheckContext, p: number): string[] {
  return (ctx.holders.mappings.get(p) ?? []).map(whereOf);
}

/** Whether anyone holds page `p` (what `holderNames(ctx, p).length > 0` says, without the names). */
export function isHeld(ctx: CheckContext, p: number): boolean {
  const h = ctx.holders;
  return (
    h.mappings.has(p) ||
    (h.frames.size > 0 && h.frames.has(p)) ||
    (h.uniques.size > 0 && h.uniques.has(p)) ||
    (h.covers.size > 0 && h.covers.has(p)) ||
    (h.forgotten.size > 0 && (h.forgotten.get(p)?.by.length ?? 0) > 0)
  );
}

/** Everyone holding page `p`, as readable names. */
export function holderNames(ctx: CheckContext, p: number): string[] {
  const h = ctx.holders;
  const out = [...(h.frames.get(p) ?? []), ...(h.uniques.get(p) ?? []), ...(h.covers.get(p) ?? [])];
  const f = h.forgotten.get(p);
  if (f) for (const b of f.by) out.push(`forgotten (${b})`);
  for (const l of h.mappings.get(p) ?? []) out.push(whereOf(l));
  return out;
}

export function handleNamesAt(ctx: CheckContext, p: number): string[] {
  const h = ctx.holders;
  return [...(h.frames.get(p) ?? []), ...(h.uniques.get(p) ?? []), ...(h.covers.get(p) ?? [])];
}
