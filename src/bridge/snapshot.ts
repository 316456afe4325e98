/**
 * What the views see of the machine, built in the worker after every command or seek.
 *
 * A Snapshot is plain, structured-cloneable and SMALL: summaries (counts, runs, skeletons, lists
 * of handles), never one object per frame or per PTE. Bulk state is not copied at all: the
 * metadata slots, the frame-contents pool (where page-table nodes live) and the TLB arrays are
 * SharedArrayBuffers, and the snapshot carries references to them (`shared`), which postMessage
 * passes without copying. The UI reads them with the helpers of `shared_layout.ts`.
 *
 * ## Wiring (for the app shell)
 * Worker side (src/bridge/host.ts), next to exec/load/seek:
 * ```ts
 * snapshot(opts?: { inspect?: number }): Snapshot   // buildSnapshot(session, { last, inspect: opts?.inspect })
 * frame(pfn: number): FrameDetail | null            // buildFrameDetail(session, pfn)
 * ```
 * `last` is the LineResult of the command the machine is now right after (the last one run, or
 * the one a seek landed on): its effects are what the views highlight. Without it, buildSnapshot
 * falls back to the session's own last result (wrong after a seek back).
 * UI side: `<Views snapshot={s} selection={sel} onSelect={setSel} inspect={(pfn) => api.frame(pfn)} />`
 * (`inspect` is optional: without it the frame inspector shows what the shared memory and the
 * snapshot tell, or `snapshot.frame` when the shell asked for `snapshot({ inspect: pfn })`).
 *
 * Everything is in page numbers (vpn, pfn: exact as `number`); byte addresses only where a handle
 * holds bytes (readers/writers, DMA device addresses).
 */
import { INVARIANTS, type Effect, type Machine } from '../engine';
import type { BootLayout } from '../engine/core';
import {
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_USER,
  PTE_WRITABLE,
  PTEH_NO_EXECUTE,
  PTE_GLOBAL,
  decodeProp,
  flagsText,
  cacheText,
  pteIsLast,
  pteIsPresent,
  ptePaddr,
} from '../engine/arch';
import {
  RC_BAND,
  RC_UNIQUE,
  RC_UNUSED,
  STORAGE_NAMES,
  USAGE_NAMES,
  Usage,
  W_GEN,
  W_OBLIG,
  W_PATHS,
  W_PT_NR_CHILDREN,
  W_USAGE,
  readRc,
  rcState,
  rcText,
} from '../engine/frame/meta';
import { describeHandle } from '../engine/handles';
import { holderNames } from '../engine/invariants/context';
import { walk } from '../engine/page_table/node';
import { KIND_TYPE, siteText, type Handle } from '../engine/state';
import { before, TE_GLOBAL, TE_USER, TE_VALID, TE_WRITABLE } from '../engine/tlb';
import { CATALOGUE_IDS, parseLine, type LineResult, type Session } from '../lang';
import {
  FC_BAD,
  FC_COUNT,
  FC_DMA,
  PERM_GLOBAL,
  PERM_R,
  PERM_USER,
  PERM_W,
  PERM_X,
  frameClass,
  regionOf,
  slotFields,
  tlbEntriesAt,
} from './shared_layout';

// ---- the types ---------------------------------------------------------------------------------

export type HandleKind =
  'frame' | 'segment' | 'unique' | 'vmspace' | 'cursor' | 'reader' | 'writer' | 'dma';

/** One live handle, flattened; fields beyond the first five depend on the kind. */
export interface HandleInfo {
  name: string;
  kind: HandleKind;
  /** OSTD's type: UFrame, Segment, UniqueFrame, VmSpace, Cursor, VmReader, VmWriter, DMA object. */
  type: string;
  /** One line, as `show handles` prints it. */
  text: string;
  /** Where it was made: `line 3 (\`alloc as f1\`)`. */
  site: string;
  /** Physical pages [pfn, pfn + pages) it holds (frame, segment, unique, dma). */
  pfn?: number;
  pages?: number;
  /** vmspace: its root node. */
  root?: number;
  /** cursor, user reader/writer: the space. */
  vs?: string;
  /** cursor: CursorMut? its barrier [start, end), position and locked subtree (page numbers). */
  mut?: boolean;
  start?: number;
  end?: number;
  va?: number;
  lockStart?: number;
  lockEnd?: number;
  guardLevel?: number;
  /** reader/writer: byte range [ioStart, ioEnd) as created and the current position (user VAs, or physical addresses for a kernel one). */
  ioStart?: number;
  ioCursor?: number;
  ioEnd?: number;
  fallible?: boolean;
  target?: string | null;
}

export interface DmaInfo {
  name: string;
  stream: boolean;
  dir: 'to_device' | 'from_device' | 'both' | null;
  coherent: boolean;
  pfn: number;
  pages: number;
  /** Device address of the first byte (== physical address with the IOMMU off). */
  daddr: number;
  /** Non-coherent buffers: the device wrote since the last `sync … from_device`. */
  deviceDirty: boolean;
  staleRead: boolean;
  /** 'coherent' | 'in sync' | 'device wrote, not synced' */
  sync: string;
  site: string;
}

/**
 * The radix tree of one address space, without its leaves: nodes in depth-first order (a parent
 * comes before its children), as parallel arrays. A user space's kernel half is not walked: it is
 * shown as borrowed group nodes, one per run of top-level entries of the same shape (the
 * linear-map node, the empty preallocated nodes). Leaves are read from `shared.pool` on demand.
 */
export interface PtSkeleton {
  count: number;
  /** The node's frame (for a group: its first node). */
  pfn: Int32Array;
  level: Uint8Array;
  /** Index of the parent node, -1 for the root. */
  parent: Int32Array;
  /** Entry index in the parent; a group spans [index, index + span). */
  index: Int16Array;
  span: Int16Array;
  /** First page number the node covers. */
  base: Float64Array;
  /** Present entries (nr_children), leaves among them, leaves in the whole subtree. */
  present: Int16Array;
  leaves: Int16Array;
  subtree: Float64Array;
  /** 1: borrowed from the kernel page table (a user space's kernel half). */
  borrowed: Uint8Array;
  /** Present entries per bucket of 16 entries: DENSITY_BUCKETS (32) bytes a node. */
  density: Uint8Array;
  /** Some level-1 nodes were left out (too many to list): their leaves still count in `subtree`. */
  truncated: boolean;
}

export interface SpaceInfo {
  /** The VmSpace handle name, or 'kernel' / 'iommu' (distinct from any handle: see `kind`). */
  id: string;
  kind: 'user' | 'kernel' | 'iommu';
  label: string;
  root: number;
  activeOn: number[];
  /** Leaves of its own half. */
  mapped: number;
  tree: PtSkeleton;
  /**
   * Mappings merged into runs where both addresses are contiguous and the permissions equal:
   * 4 numbers a run [vpn, pages, pfn, perm] with perm bits PERM_* below. At most MAX_RUNS runs.
   */
  runs: Float64Array;
  runCount: number;
  runsTruncated: boolean;
}

export { PERM_R, PERM_W, PERM_X, PERM_USER, PERM_GLOBAL } from './shared_layout';

export interface InvariantStatus {
  id: string;
  severity: 'error' | 'warning';
  mirrors: string;
  status: 'pass' | 'fail' | 'warn' | 'unchecked';
  count: number;
}

export interface ViolationInfo {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  frames: number[];
  handles: string[];
}

export interface StaleTlbEntry {
  /** Index into the TLB arrays: cpu·entries + set·4 + way. */
  index: number;
  cpu: number;
  /** Why it disagrees with a walk of the space active on its CPU now. */
  reason: string;
  /** It reaches a frame that was freed or handed to another owner (tlb.no_dangling). */
  dangling: boolean;
}

export interface LastStep {
  line: number;
  source: string;
  ok: boolean;
  /** The result as printed (`ok …` / `error Code: …`), cut to 400 characters. */
  text: string;
  code?: string;
  effects: { kind: Effect['kind']; text: string; pfn?: number; name?: string }[];
  effectCount: number;
  /** Frames the step changed (slot, PTE, bind effects), as runs [start, end) packed in pairs. */
  frames: Float64Array;
  /** PTEs the step wrote, per space: runs of page numbers [vpn, end) packed in pairs. */
  ptes: { space: string; runs: Float64Array }[];
  /** The walk of the CPU access or translation (read, write, translate), as the MMU does it now. */
  walk?: {
    space: string;
    vpn: number;
    nodes: number[];
    indices: number[];
    ok: boolean;
    level: number;
  };
  /** A CPU access that faulted: where. */
  fault?: { space: string; vpn: number };
}

export interface FrameCounts {
  free: number;
  reserved: number;
  meta: number;
  pageTable: number;
  kernel: number;
  mmio: number;
  /** Usage Frame, by refcount: freed (UNUSED again), UNIQUE, shared 1..MAX, 0 or the overflow band. */
  freed: number;
  unique: number;
  shared: number;
  bad: number;
  /** Data frames some page table maps (paths_in_pt > 0). */
  mapped: number;
  dmaHeld: number;
}

export interface Snapshot {
  /** Increases with every snapshot the worker builds. */
  seq: number;
  config: {
    arch: string;
    memBytes: number;
    cpus: number;
    tlbEntries: number;
    iommu: boolean;
    nframes: number;
  };
  /** The boot layout (engine core.ts), its frame count in `config`. */
  layout: Omit<BootLayout, 'nframes'>;
  /** The current CPU, and the space active on each (null: the kernel page table). */
  cpu: number;
  active: (string | null)[];
  shared: {
    /**
     * Names the meta, pageSlot and pool buffers below: the same name, the same three buffers.
     * Every message brings new SharedArrayBuffer objects, even for the same memory, so the UI
     * keeps the objects it has while the name stays (views/intern.ts).
     */
    memory: string;
    /** 16 u32 words a frame (shared_layout.ts W_*). */
    meta: SharedArrayBuffer;
    /** Frame contents: pfn → pool page (Int32, -1 never written), and the pool (replaced when it grows). */
    pageSlot: SharedArrayBuffer;
    pool: SharedArrayBuffer;
    /**
     * One byte a frame: its class (shared_layout.ts FC_*), computed by this snapshot. Two buffers
     * alternate between snapshots, so the UI never reads one while the worker rewrites it.
     */
    classes: SharedArrayBuffer;
    /** TLB arrays, cpus·entries each (shared_layout.ts TlbArrays). */
    tlb: {
      vpn: SharedArrayBuffer;
      pfn: SharedArrayBuffer;
      flags: SharedArrayBuffer;
      age: SharedArrayBuffer;
      gen: SharedArrayBuffer;
      clock: SharedArrayBuffer;
    };
  };
  counts: FrameCounts;
  /** Frames of each class (FC_*). */
  classCounts: number[];
  /** Runs of frames with the same usage, refcount and mapped-ness: 5 numbers a run [start, end, usage, rc, mapped]. */
  frameRuns: Float64Array;
  frameRunCount: number;
  frameRunsTruncated: boolean;
  handles: HandleInfo[];
  /** The obligation multiset (frame_obligations) as runs [start, end, n]. */
  obligations: Float64Array;
  obligationRunCount: number;
  obligationsTruncated: boolean;
  forgotten: { pfn: number; count: number; by: string[] }[];
  invariants: InvariantStatus[];
  violations: ViolationInfo[];
  violationTotal: number;
  spaces: SpaceInfo[];
  /**
   * Per space id, the content version of each of its tree's nodes (PhysMem.version of their
   * frames, bumped by every write): in the same `shared.memory`, the same version means the same
   * entries. Apart from `spaces`, which a PTE's accessed bit does not change.
   */
  nodeVersions: Record<string, Uint32Array>;
  tlb: {
    cpus: number;
    entries: number;
    sets: number;
    ways: number;
    clock: number;
    stale: StaleTlbEntry[];
  };
  dma: { iommu: boolean; objects: DmaInfo[]; mappedPages: number };
  last: LastStep | null;
  /** With `inspect`: the inspected frame. */
  frame?: FrameDetail;
}

/** Everything about one frame, for the inspector (`buildFrameDetail`). */
export interface FrameDetail {
  pfn: number;
  /** Where it sits in the boot layout. */
  region: string;
  slot: {
    words: number[];
    rc: number;
    rcText: string;
    rcState: string;
    usage: string;
    storage: string;
    vtable: number;
    inList: number;
    paths: number;
    obligations: number;
    ptLevel: number;
    ptNrChildren: number;
    ptStray: number;
    ptLock: number;
    gen: number;
  };
  /** Handles and objects that hold it: frame/unique handles, segment covers, DMA objects. */
  holders: { name: string; how: string; kind?: HandleKind }[];
  forgotten: { count: number; by: string[] } | null;
  /** Every PTE that maps it (user spaces, walked), at most MAX_LIST. */
  ptes: { space: string; vpn: number; level: number; flags: string }[];
  pteTotal: number;
  /** Its kernel linear-map address (always mapped there by a 2 MiB leaf). */
  linear: string;
  /** As a page-table node: where the walks found it. */
  nodeOf: { level: number; path: string }[];
  tlb: { cpu: number; index: number; vpn: number; stale: boolean }[];
  dma: { name: string; daddr: number } | null;
  violations: { id: string; message: string }[];
  /** Everyone holding it, as `show frame` lists them. */
  heldBy: string[];
}

// ---- building ----------------------------------------------------------------------------------

export const MAX_RUNS = 16384;
export const MAX_NODES = 20000;
export const MAX_LIST = 4096;
export const MAX_VIOLATIONS = 200;
export const MAX_EFFECTS = 100;
export const DENSITY_BUCKETS = 32;

let seqCounter = 0;

/** The last buffers named, and their name: unique to this worker (a new worker names anew). */
const memoryPrefix = Math.random().toString(36).slice(2);
let memoryCount = 0;
let lastMemory: { meta: object; pageSlot: object; pool: object; name: string } | null = null;

function memoryName(meta: object, pageSlot: object, pool: object): string {
  const l = lastMemory;
  if (l && l.meta === meta && l.pageSlot === pageSlot && l.pool === pool) return l.name;
  lastMemory = { meta, pageSlot, pool, name: `${memoryPrefix}.${++memoryCount}` };
  return lastMemory.name;
}

/** Two class buffers per machine memory, used in turn. */
const classBuffers = new WeakMap<object, { bufs: SharedArrayBuffer[]; next: number }>();

function classBuffer(mem: object, n: number): SharedArrayBuffer {
  let e = classBuffers.get(mem);
  if (!e || e.bufs[0]!.byteLength !== n) {
    e = { bufs: [new SharedArrayBuffer(n), new SharedArrayBuffer(n)], next: 0 };
    classBuffers.set(mem, e);
  }
  const b = e.bufs[e.next]!;
  e.next ^= 1;
  return b;
}

export interface SnapshotOptions {
  /** The LineResult the machine is right after (see the wiring notes above). */
  last?: LineResult | null;
  /** Include the detail of this frame. */
  inspect?: number;
}

export function buildSnapshot(session: Session, opts: SnapshotOptions = {}): Snapshot {
  const m = session.machine;
  const g = m.ghost;
  const mem = m.mem;
  const layout = m.layout;
  const n = layout.nframes;
  const handles: HandleInfo[] = [];
  const dmaObjects: DmaInfo[] = [];
  for (const h of g.handles.values()) {
    handles.push(handleInfo(h));
    if (h.kind === 'dma')
      dmaObjects.push({
        name: h.name,
        stream: h.stream,
        dir: h.dir,
        coherent: h.coherent,
        pfn: h.start,
        pages: h.end - h.start,
        daddr: h.daddr,
        deviceDirty: h.deviceDirty,
        staleRead: h.staleRead,
        sync: h.device ? (h.deviceDirty ? 'device wrote, not synced' : 'in sync') : 'coherent',
        site: siteText(h.site),
      });
  }

  // One pass over the slots: counts, runs, obligations.
  const meta = mem.meta;
  const counts: FrameCounts = {
    free: 0,
    reserved: 0,
    meta: 0,
    pageTable: 0,
    kernel: 0,
    mmio: 0,
    freed: 0,
    unique: 0,
    shared: 0,
    bad: 0,
    mapped: 0,
    dmaHeld: g.dmaSet.size,
  };
  const runs: number[] = [];
  let runsTruncated = false;
  const obl: number[] = [];
  let oblTruncated = false;
  let rs = 0;
  let rUsage = -1;
  let rRc = 0;
  let rMapped = 0;
  let os = 0;
  let oN = 0;
  const closeRun = (end: number): void => {
    if (rUsage < 0) return;
    if (runs.length / 5 < MAX_RUNS) runs.push(rs, end, rUsage, rRc, rMapped);
    else runsTruncated = true;
  };
  // Locals: imported bindings can be slow to read in a hot loop (module getters under some loaders).
  const U_UNUSED = Usage.Unused;
  const U_RESERVED = Usage.Reserved;
  const U_META = Usage.Meta;
  const U_PT = Usage.PageTable;
  const U_KERNEL = Usage.Kernel;
  const U_MMIO = Usage.MMIO;
  const UNUSED = RC_UNUSED;
  const UNIQUE = RC_UNIQUE;
  const BAND = RC_BAND;
  const WP = W_PATHS;
  const WO = W_OBLIG;
  const WU = W_USAGE;
  const classesSab = classBuffer(mem, n);
  const classes = new Uint8Array(classesSab);
  const classCounts = new Array<number>(FC_COUNT).fill(0);
  for (let p = 0; p < n; p++) {
    const b = p * 16;
    const usage = meta[b + WU]!;
    const hi = meta[b + 1]!;
    const lo = meta[b]!;
    const rc =
      hi >= 0x8000_0000
        ? hi === 0xffff_ffff && lo === 0xffff_ffff
          ? UNUSED
          : hi === 0xffff_ffff && lo === 0xffff_fffe
            ? UNIQUE
            : BAND
        : hi * 2 ** 32 + lo;
    const paths = meta[b + WP]!;
    const mapped = paths > 0 ? 1 : 0;
    classes[p] = frameClass(usage, rc, paths);
    if (usage === U_UNUSED) {
      if (rc === UNUSED) counts.free++;
      else counts.bad++;
    } else if (usage === U_RESERVED) counts.reserved++;
    else if (usage === U_META) counts.meta++;
    else if (usage === U_PT) {
      if (rc === UNUSED) counts.freed++;
      else counts.pageTable++;
    } else if (usage === U_KERNEL) counts.kernel++;
    else if (usage === U_MMIO) counts.mmio++;
    else {
      if (rc === UNUSED) counts.freed++;
      else if (rc === UNIQUE) counts.unique++;
      else if (rc === BAND || rc === 0) counts.bad++;
      else counts.shared++;
      if (mapped) counts.mapped++;
    }
    if (usage !== rUsage || rc !== rRc || mapped !== rMapped) {
      closeRun(p);
      rs = p;
      rUsage = usage;
      rRc = rc;
      rMapped = mapped;
    }
    const o = meta[b + WO]!;
    if (o !== oN) {
      if (oN > 0) {
        if (obl.length / 3 < MAX_RUNS) obl.push(os, p, oN);
        else oblTruncated = true;
      }
      os = p;
      oN = o;
    }
  }
  closeRun(n);
  for (const p of g.dmaSet.keys()) if (p < n && classes[p] !== FC_BAD) classes[p] = FC_DMA;
  for (let p = 0; p < n; p++) classCounts[classes[p]!]!++;
  if (oN > 0) {
    if (obl.length / 3 < MAX_RUNS) obl.push(os, n, oN);
    else oblTruncated = true;
  }

  const violations = m.violations;
  const invariants: InvariantStatus[] = CATALOGUE_IDS.map((id) => {
    const inv = INVARIANTS.find((i) => i.id === id);
    let count = 0;
    for (const v of violations) if (v.id === id) count++;
    if (!inv) return { id, severity: 'error', mirrors: '', status: 'unchecked', count: 0 };
    return {
      id,
      severity: inv.severity,
      mirrors: inv.mirrors,
      status: count === 0 ? 'pass' : inv.severity === 'warning' ? 'warn' : 'fail',
      count,
    };
  });

  const spaces: SpaceInfo[] = [
    spaceInfo(m, 'kernel', 'kernel', 'kernel page table', layout.kernelRoot),
  ];
  if (layout.iommuRoot >= 0)
    spaces.push(spaceInfo(m, 'iommu', 'iommu', 'IOMMU page table', layout.iommuRoot));
  for (const h of g.handles.values())
    if (h.kind === 'vmspace') spaces.push(spaceInfo(m, h.name, 'user', h.name, h.root));

  const tlb = m.tlb;
  const snap: Snapshot = {
    seq: ++seqCounter,
    config: {
      arch: m.config.arch,
      memBytes: m.config.memBytes,
      cpus: m.config.cpus,
      tlbEntries: m.config.tlbEntries,
      iommu: m.config.iommu,
      nframes: n,
    },
    layout: {
      reserved: [...layout.reserved],
      meta: [...layout.meta],
      kernelPt: [...layout.kernelPt],
      kernelRoot: layout.kernelRoot,
      iommuRoot: layout.iommuRoot,
      firstFree: layout.firstFree,
    },
    cpu: g.cpu,
    active: [...g.active],
    shared: {
      memory: memoryName(mem.metaSab, mem.pageSlotSab, mem.poolSab),
      meta: mem.metaSab,
      pageSlot: mem.pageSlotSab,
      pool: mem.poolSab,
      classes: classesSab,
      tlb: {
        vpn: tlb.vpn.buffer as SharedArrayBuffer,
        pfn: tlb.pfn.buffer as SharedArrayBuffer,
        flags: tlb.flags.buffer as SharedArrayBuffer,
        age: tlb.age.buffer as SharedArrayBuffer,
        gen: tlb.gen.buffer as SharedArrayBuffer,
        clock: tlb.clock.buffer as SharedArrayBuffer,
      },
    },
    counts,
    classCounts,
    frameRuns: Float64Array.from(runs),
    frameRunCount: runs.length / 5,
    frameRunsTruncated: runsTruncated,
    handles,
    obligations: Float64Array.from(obl),
    obligationRunCount: obl.length / 3,
    obligationsTruncated: oblTruncated,
    forgotten: [...g.forgotten].map(([pfn, f]) => ({
      pfn,
      count: f.frames + f.uniques,
      by: [...f.by],
    })),
    invariants,
    violations: violations.slice(0, MAX_VIOLATIONS).map((v) => ({
      id: v.id,
      severity: v.severity,
      message: v.message,
      frames: v.frames.slice(0, MAX_LIST),
      handles: [...v.handles],
    })),
    violationTotal: violations.length,
    spaces,
    nodeVersions: Object.fromEntries(
      spaces.map((sp) => [sp.id, Uint32Array.from(sp.tree.pfn, (p) => mem.version[p]!)]),
    ),
    tlb: {
      cpus: tlb.cpus,
      entries: tlb.entries,
      sets: tlb.sets,
      ways: 4,
      clock: tlb.clock[0]!,
      stale: staleTlb(m),
    },
    dma: { iommu: layout.iommuRoot >= 0, objects: dmaObjects, mappedPages: g.dmaSet.size },
    last: lastStep(session, opts.last),
  };
  if (opts.inspect !== undefined) {
    const d = buildFrameDetail(session, opts.inspect);
    if (d) snap.frame = d;
  }
  return snap;
}

function handleInfo(h: Handle): HandleInfo {
  const out: HandleInfo = {
    name: h.name,
    kind: h.kind,
    type: KIND_TYPE[h.kind],
    text: describeHandle(h),
    site: siteText(h.site),
  };
  switch (h.kind) {
    case 'frame':
    case 'unique':
      out.pfn = h.pfn;
      out.pages = 1;
      break;
    case 'segment':
    case 'dma':
      out.pfn = h.start;
      out.pages = h.end - h.start;
      break;
    case 'vmspace':
      out.root = h.root;
      break;
    case 'cursor':
      Object.assign(out, {
        vs: h.vs,
        mut: h.mut,
        start: h.start,
        end: h.end,
        va: h.va,
        lockStart: h.lockStart,
        lockEnd: h.lockEnd,
        guardLevel: h.guardLevel,
      });
      break;
    case 'reader':
    case 'writer':
      Object.assign(out, {
        ioStart: h.start,
        ioCursor: h.cursor,
        ioEnd: h.end,
        fallible: h.fallible,
        target: h.target,
      });
      if (h.vs) out.vs = h.vs;
      break;
  }
  return out;
}

function permOf(lo: number, hi: number): number {
  let p = 0;
  if (lo & PTE_PRESENT) p |= PERM_R;
  if (lo & PTE_WRITABLE) p |= PERM_W;
  if (!(hi & PTEH_NO_EXECUTE)) p |= PERM_X;
  if (lo & PTE_USER) p |= PERM_USER;
  if (lo & PTE_GLOBAL) p |= PERM_GLOBAL;
  return p;
}

/** Walks one space (own half fully; a user space's kernel half as borrowed groups). */
function spaceInfo(
  m: Machine,
  id: string,
  kind: SpaceInfo['kind'],
  label: string,
  root: number,
): SpaceInfo {
  const mem = m.mem;
  const pfn: number[] = [];
  const level: number[] = [];
  const parent: number[] = [];
  const index: number[] = [];
  const span: number[] = [];
  const base: number[] = [];
  const present: number[] = [];
  const leaves: number[] = [];
  const subtree: number[] = [];
  const borrowed: number[] = [];
  const density: number[] = [];
  let truncated = false;
  const runs: number[] = [];
  let runsTruncated = false;
  let mapped = 0;
  // The run being built.
  let rv = -1;
  let rp = 0;
  let rf = 0;
  let rperm = -1;
  const leaf = (vpn: number, pages: number, f: number, perm: number, own: boolean): void => {
    if (!own) return;
    mapped++;
    if (rv >= 0 && vpn === rv + rp && f === rf + rp && perm === rperm) {
      rp += pages;
      return;
    }
    if (rv >= 0) {
      if (runs.length / 4 < MAX_RUNS) runs.push(rv, rp, rf, rperm);
      else runsTruncated = true;
    }
    rv = vpn;
    rp = pages;
    rf = f;
    rperm = perm;
  };
  const add = (
    p: number,
    lv: number,
    par: number,
    idx: number,
    sp: number,
    b: number,
    bor: boolean,
  ): number => {
    pfn.push(p);
    level.push(lv);
    parent.push(par);
    index.push(idx);
    span.push(sp);
    base.push(b);
    present.push(mem.slotWord(p, W_PT_NR_CHILDREN));
    leaves.push(0);
    subtree.push(0);
    borrowed.push(bor ? 1 : 0);
    for (let k = 0; k < DENSITY_BUCKETS; k++) density.push(0);
    return pfn.length - 1;
  };
  /** Walks node `me` (already added); returns the leaves under it. */
  const rec = (
    me: number,
    node: number,
    lv: number,
    b: number,
    bor: boolean,
    own: boolean,
  ): number => {
    const ep = 512 ** (lv - 1);
    let total = 0;
    let direct = 0;
    const dens = me * DENSITY_BUCKETS;
    for (let i = 0; i < 512; i++) {
      const lo = mem.readWord(node, i * 8);
      if (!pteIsPresent(lo)) continue;
      density[dens + (i >> 4)]!++;
      const hi = mem.readWord(node, i * 8 + 4);
      const child = ptePaddr(lo, hi) / 4096;
      const cb = b + i * ep;
      if (pteIsLast(lo) || lv === 1) {
        direct++;
        total++;
        leaf(cb, ep, child, permOf(lo, hi), own);
        continue;
      }
      if (lv === 2 && pfn.length >= MAX_NODES) {
        truncated = true;
        total += countLeaves(m, child, lv - 1, cb, own ? leaf : null);
        continue;
      }
      const k = add(child, lv - 1, me, i, 1, cb, bor);
      total += rec(k, child, lv - 1, cb, bor, own);
    }
    leaves[me] = direct;
    subtree[me] = total;
    return total;
  };
  const r = add(root, 4, -1, 0, 1, 0, false);
  const ep4 = 512 ** 3;
  let total = 0;
  const [k0, k1] = m.consts.kernelTopRange;
  for (let i = 0; i < 512; i++)
    if (pteIsPresent(mem.readWord(root, i * 8))) density[r * DENSITY_BUCKETS + (i >> 4)]!++;
  for (let i = 0; i < 512; i++) {
    const lo = mem.readWord(root, i * 8);
    if (!pteIsPresent(lo)) continue;
    const hi = mem.readWord(root, i * 8 + 4);
    const child = ptePaddr(lo, hi) / 4096;
    const cb = i * ep4;
    const kernelHalf = kind !== 'iommu' && i >= k0 && i < k1;
    const bor = kind === 'user' && kernelHalf;
    if (pteIsLast(lo)) {
      leaf(cb, ep4, child, permOf(lo, hi), true);
      total++;
      continue;
    }
    if (kernelHalf && mem.slotWord(child, W_PT_NR_CHILDREN) === 0) {
      // A run of empty preallocated kernel nodes: one group.
      let j = i + 1;
      while (j < k1) {
        const lj = mem.readWord(root, j * 8);
        if (!pteIsPresent(lj) || pteIsLast(lj)) break;
        if (
          mem.slotWord(ptePaddr(lj, mem.readWord(root, j * 8 + 4)) / 4096, W_PT_NR_CHILDREN) !== 0
        )
          break;
        j++;
      }
      add(child, 3, r, i, j - i, cb, bor);
      i = j - 1;
      continue;
    }
    const k = add(child, 3, r, i, 1, cb, bor);
    // The kernel half counts as the space's own only in the kernel's tree.
    const under = rec(k, child, 3, cb, bor, !bor);
    if (!bor) total += under;
  }
  // Close the last run.
  if (rv >= 0) {
    if (runs.length / 4 < MAX_RUNS) runs.push(rv, rp, rf, rperm);
    else runsTruncated = true;
  }
  leaves[r] = 0;
  subtree[r] = total;
  const active: number[] = [];
  m.ghost.active.forEach((a, cpu) => {
    if ((a === null && id === 'kernel') || (a === id && kind === 'user')) active.push(cpu);
  });
  return {
    id,
    kind,
    label,
    root,
    activeOn: active,
    mapped,
    tree: {
      count: pfn.length,
      pfn: Int32Array.from(pfn),
      level: Uint8Array.from(level),
      parent: Int32Array.from(parent),
      index: Int16Array.from(index),
      span: Int16Array.from(span),
      base: Float64Array.from(base),
      present: Int16Array.from(present),
      leaves: Int16Array.from(leaves),
      subtree: Float64Array.from(subtree),
      borrowed: Uint8Array.from(borrowed),
      density: Uint8Array.from(density),
      truncated,
    },
    runs: Float64Array.from(runs),
    runCount: runs.length / 4,
    runsTruncated,
  };
}

function countLeaves(
  m: Machine,
  node: number,
  lv: number,
  b: number,
  leaf: ((vpn: number, pages: number, f: number, perm: number, own: boolean) => void) | null,
): number {
  const mem = m.mem;
  const ep = 512 ** (lv - 1);
  let t = 0;
  for (let i = 0; i < 512; i++) {
    const lo = mem.readWord(node, i * 8);
    if (!pteIsPresent(lo)) continue;
    const hi = mem.readWord(node, i * 8 + 4);
    const child = ptePaddr(lo, hi) / 4096;
    if (pteIsLast(lo) || lv === 1) {
      t++;
      leaf?.(b + i * ep, ep, child, permOf(lo, hi), true);
    } else t += countLeaves(m, child, lv - 1, b + i * ep, leaf);
  }
  return t;
}

function rootOf(m: Machine, space: string | null): number {
  if (space === null) return m.layout.kernelRoot;
  const h = m.ghost.handles.get(space);
  return h?.kind === 'vmspace' ? h.root : -1;
}

function staleTlb(m: Machine): StaleTlbEntry[] {
  const out: StaleTlbEntry[] = [];
  const t = m.tlb;
  for (let cpu = 0; cpu < t.cpus; cpu++) {
    const root = rootOf(m, m.ghost.active[cpu] ?? null);
    for (let k = 0; k < t.entries; k++) {
      const i = cpu * t.entries + k;
      const f = t.flags[i]!;
      if (!(f & TE_VALID)) continue;
      const vpn = t.vpn[i]!;
      const pfn = t.pfn[i]!;
      const lv = (f >> 8) & 15;
      let reason = '';
      if (root < 0) reason = 'its space is gone';
      else {
        const w = walk(m.mem, root, vpn);
        if (!w.ok) reason = 'the page table no longer maps it';
        else if (ptePaddr(w.lo, w.hi) / 4096 !== pfn || w.level !== lv)
          reason = `the page table now maps it to 0x${ptePaddr(w.lo, w.hi).toString(16)}`;
        else if (
          !!(w.lo & PTE_WRITABLE) !== !!(f & TE_WRITABLE) ||
          !!(w.lo & PTE_USER) !== !!(f & TE_USER)
        )
          reason = `the page table now says ${w.lo & PTE_WRITABLE ? 'rw' : 'r-'}; no flush reached this CPU`;
      }
      const rc = readRc(m.mem, pfn);
      const u = m.mem.slotWord(pfn, W_USAGE);
      const dangling =
        !(f & TE_GLOBAL) &&
        (rc === RC_UNUSED || u !== Usage.Frame || before(t.gen[i]!, m.mem.slotWord(pfn, W_GEN)));
      if (dangling && !reason) reason = 'its frame was freed or handed to another owner';
      if (reason) out.push({ index: i, cpu, reason, dangling });
      if (out.length >= MAX_LIST) return out;
    }
  }
  return out;
}

function lastStep(session: Session, given: LineResult | null | undefined): LastStep | null {
  // The session keeps its last command's result private (and restores it on a seek); it stands in
  // when the shell passes nothing, or a line that is not a command (an expect, a note).
  const own = session.lastResult;
  const r = given === null ? null : given !== undefined && given.kind === 'op' ? given : own;
  if (!r) return null;
  const m = session.machine;
  const effects = r.effects ?? [];
  const frames: number[] = [];
  const bySpace = new Map<string, number[]>();
  for (const e of effects) {
    if (e.pfn !== undefined && e.pfn >= 0) frames.push(e.pfn);
    if (e.kind === 'pte' && e.space !== undefined && e.vpn !== undefined) {
      let a = bySpace.get(e.space);
      if (!a) bySpace.set(e.space, (a = []));
      const to = e.vpn + Math.min(e.pages ?? 1, 1_000_000);
      for (let v = e.vpn; v < to; v++) a.push(v);
    }
  }
  const out: LastStep = {
    line: r.line,
    source: r.source,
    ok: r.ok,
    text: (r.ok
      ? `ok ${r.text}`
      : `error ${r.code ?? ''}${r.clause !== undefined ? `(${r.clause})` : ''}: ${r.text}`
    ).slice(0, 400),
    effects: effects.slice(0, MAX_EFFECTS).map((e) => {
      const x: LastStep['effects'][number] = { kind: e.kind, text: e.text };
      if (e.pfn !== undefined) x.pfn = e.pfn;
      if (e.name !== undefined) x.name = e.name;
      return x;
    }),
    effectCount: effects.length,
    frames: toRuns(frames),
    ptes: [...bySpace].map(([space, vpns]) => ({ space, runs: toRuns(vpns) })),
  };
  if (r.code !== undefined) out.code = r.code;
  // The walk of a CPU access or a translation.
  try {
    const stmt = parseLine(r.source);
    if (stmt && stmt.kind === 'op') {
      const op = stmt.op;
      let space: string | null | undefined;
      let va: bigint | undefined;
      if (op.op === 'read' || op.op === 'write') {
        space = m.ghost.active[m.ghost.cpu] ?? null;
        va = op.va;
      } else if (op.op === 'translate') {
        space = op.vs;
        va = op.va;
      }
      if (va !== undefined && space !== undefined) {
        const root = rootOf(m, space);
        const vpn = Number(va >> 12n);
        const id = space ?? 'kernel';
        if (root >= 0 && vpn < 2 ** 36) {
          const w = walk(m.mem, root, vpn);
          out.walk = {
            space: id,
            vpn,
            nodes: w.path,
            indices: w.indices,
            ok: w.ok,
            level: w.level,
          };
        }
        if (r.code === 'PageFault') out.fault = { space: id, vpn: faultVpn(r.text) ?? vpn };
      }
    }
  } catch {
    // Not a command line (a syntax error): no walk.
  }
  return out;
}

/** Sorted, deduplicated numbers as runs [start, end) packed in pairs (at most MAX_LIST runs). */
export function toRuns(xs: number[]): Float64Array {
  const a = Float64Array.from(xs).sort();
  const out: number[] = [];
  for (let i = 0; i < a.length && out.length < 2 * MAX_LIST;) {
    const s = a[i]!;
    let e = s + 1;
    i++;
    while (i < a.length && a[i]! <= e) {
      if (a[i] === e) e++;
      i++;
    }
    out.push(s, e);
  }
  return Float64Array.from(out);
}

/** The page a fault message names (`read of 0x401000: …`), if any. */
function faultVpn(text: string): number | undefined {
  const x = /(?:read of|write to) (0x[0-9a-f]+)/.exec(text);
  return x ? Number(BigInt(x[1]!) / 4096n) : undefined;
}

// ---- the frame inspector -----------------------------------------------------------------------

const LINEAR_BASE = 0xffff_8000_0000_0000n;

export function buildFrameDetail(session: Session, pfn: number): FrameDetail | null {
  const m = session.machine;
  const mem = m.mem;
  const layout = m.layout;
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= layout.nframes) return null;
  const ctx = m.contextFor([pfn]);
  const s = m.slot(pfn);
  const w = (k: number): number => mem.slotWord(pfn, k);
  const words: number[] = [];
  for (let k = 0; k < 16; k++) words.push(w(k));
  const region = regionOf(layout, pfn);
  const holders: FrameDetail['holders'] = [];
  const h = ctx.holders;
  for (const x of h.frames.get(pfn) ?? [])
    holders.push({ name: x, how: 'UFrame handle', kind: 'frame' });
  for (const x of h.uniques.get(pfn) ?? [])
    holders.push({ name: x, how: 'UniqueFrame handle', kind: 'unique' });
  for (const x of h.covers.get(pfn) ?? []) {
    const hh = m.ghost.handles.get(x);
    holders.push({
      name: x,
      how: hh?.kind === 'dma' ? 'DMA object (holds its pages)' : 'segment cover',
      kind: hh?.kind,
    });
  }
  const f = h.forgotten.get(pfn);
  const ptes: FrameDetail['ptes'] = [];
  let pteTotal = 0;
  const leaves = ctx.leaves;
  for (let k = 0; k < leaves.length; k++) {
    if (leaves.pfn[k]! > pfn || pfn >= leaves.pfn[k]! + 512 ** (leaves.level[k]! - 1)) continue;
    pteTotal++;
    if (ptes.length < MAX_LIST) {
      const l = leaves.at(k);
      const p = decodeProp(l.lo, l.hi);
      ptes.push({
        space: l.space,
        vpn: l.vpn + (pfn - l.pfn),
        level: l.level,
        flags: `${flagsText(p.flags)} ${cacheText(p.cache)}${l.lo & PTE_ACCESSED ? ' A' : ''}${l.lo & PTE_DIRTY ? ' D' : ''}`,
      });
    }
  }
  const stale = new Set(staleTlb(m).map((e) => e.index));
  const t = m.tlb;
  const tlb = tlbEntriesAt(t, t.entries, t.cpus * t.entries, pfn, stale);
  const dn = m.ghost.dmaSet.get(pfn);
  const dh = dn === undefined ? undefined : m.ghost.handles.get(dn);
  return {
    pfn,
    region,
    slot: {
      words,
      rc: s.rc,
      rcText: rcText(s.rc),
      rcState: rcState(s.rc),
      usage: USAGE_NAMES[s.usage] ?? String(s.usage),
      storage: STORAGE_NAMES[s.storage] ?? String(s.storage),
      ...slotFields(w),
    },
    holders,
    forgotten: f ? { count: f.frames + f.uniques, by: [...f.by] } : null,
    ptes,
    pteTotal,
    linear: '0x' + (LINEAR_BASE + BigInt(pfn) * 4096n).toString(16),
    nodeOf: (h.nodes.get(pfn) ?? []).map((x) => ({ level: x.level, path: x.path })),
    tlb,
    dma: dh?.kind === 'dma' ? { name: dh.name, daddr: dh.daddr + (pfn - dh.start) * 4096 } : null,
    violations: m.violations
      .filter((v) => v.frames.includes(pfn))
      .map((v) => ({ id: v.id, message: v.message })),
    heldBy: holderNames(ctx, pfn),
  };
}
