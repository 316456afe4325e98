// What every view derives from a Snapshot and the selection: typed-array views of the shared
// buffers (made once per snapshot), the highlight a selection casts over frames, handles and
// virtual ranges, and the frame inspector's data as far as the UI can tell it without asking the
// worker. Pure functions: no DOM, tested in Node.
import type { FrameDetail, HandleInfo, Snapshot } from '../../bridge/snapshot';
import {
  FrameReader,
  PERM_GLOBAL,
  PERM_R,
  PERM_USER,
  PERM_W,
  PERM_X,
  RC_UNUSED,
  RC_UNIQUE,
  RC_BAND,
  SLOT_WORDS,
  STORAGE_NAMES,
  USAGE_NAMES,
  W_STORAGE,
  W_USAGE,
  rcText,
  slotRc,
  type TlbArrays,
  regionOf,
  slotFields,
  tlbEntriesAt,
} from '../../bridge/shared_layout';

/** What is selected; every view highlights what reaches it. */
export type Selection =
  | { kind: 'frame'; pfn: number }
  | { kind: 'handle'; name: string }
  /** A violation of the current snapshot by index; with `id`, only while that index still holds that ID. */
  | { kind: 'violation'; index: number; id?: string }
  | { kind: 'mapping'; space: string; vpn: number; pfn: number }
  | null;

// ---- the shared buffers ------------------------------------------------------------------------

export interface SharedViews {
  meta: Uint32Array;
  frames: FrameReader;
  tlb: TlbArrays;
}

/** By `shared`, which an interned snapshot keeps while its buffers stay the same. */
const sharedCache = new WeakMap<Snapshot['shared'], SharedViews>();

export function sharedOf(s: Snapshot): SharedViews {
  let v = sharedCache.get(s.shared);
  if (!v) {
    const t = s.shared.tlb;
    v = {
      meta: new Uint32Array(s.shared.meta),
      frames: new FrameReader(s.shared.pageSlot, s.shared.pool),
      tlb: {
        vpn: new Float64Array(t.vpn),
        pfn: new Int32Array(t.pfn),
        flags: new Int32Array(t.flags),
        age: new Int32Array(t.age),
        gen: new Int32Array(t.gen),
        clock: new Int32Array(t.clock),
      },
    };
    sharedCache.set(s.shared, v);
  }
  return v;
}

// ---- formatting --------------------------------------------------------------------------------

/** One formatter for every count: `n.toLocaleString()` builds a new one each call (~45 µs). */
const counts = new Intl.NumberFormat();
/** Formatted counts: each publication formats the same few again, and a format costs microseconds. */
const formatted = new Map<number, string>();

/** A count with the locale's digit grouping (4,096). */
export function num(n: number): string {
  let t = formatted.get(n);
  if (t === undefined) {
    if (formatted.size >= 4096) formatted.clear();
    t = counts.format(n);
    formatted.set(n, t);
  }
  return t;
}

export function paddr(pfn: number): string {
  return '0x' + (pfn * 4096).toString(16);
}

export function permText(perm: number): string {
  return (
    (perm & PERM_R ? 'r' : '-') +
    (perm & PERM_W ? 'w' : '-') +
    (perm & PERM_X ? 'x' : '-') +
    (perm & PERM_USER ? ' U' : '') +
    (perm & PERM_GLOBAL ? ' G' : '')
  );
}

export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  let x = n;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x >= 100 || Number.isInteger(x) ? Math.round(x) : x.toFixed(1)} ${units[u]}`;
}

/** The space a CPU translates with (its active VmSpace, or the kernel's). */
export function activeSpaceId(s: Snapshot, cpu: number): string {
  return s.active[cpu] ?? 'kernel';
}

// ---- ranges ------------------------------------------------------------------------------------

/** Sorted, merged half-open ranges. */
export function mergeRanges(rs: [number, number][]): [number, number][] {
  const a = rs.filter(([x, y]) => y > x).sort((p, q) => p[0] - q[0]);
  const out: [number, number][] = [];
  for (const [x, y] of a) {
    const last = out[out.length - 1];
    if (last && x <= last[1]) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

/** Does a sorted, merged range list contain x? */
export function inRanges(rs: readonly (readonly [number, number])[], x: number): boolean {
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rs[mid]!;
    if (x < r[0]) hi = mid - 1;
    else if (x >= r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Does a sorted, merged range list meet [a, b)? */
export function meetsRanges(
  rs: readonly (readonly [number, number])[],
  a: number,
  b: number,
): boolean {
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rs[mid]!;
    if (r[1] <= a) lo = mid + 1;
    else if (r[0] >= b) hi = mid - 1;
    else return true;
  }
  return false;
}

/** Packed [start, end) pairs → range list. */
export function pairs(a: Float64Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push([a[i]!, a[i + 1]!]);
  return out;
}

// ---- the highlight -----------------------------------------------------------------------------

export interface Highlight {
  /** Frames (page numbers), sorted and merged. */
  frames: [number, number][];
  handles: Set<string>;
  /** Virtual page ranges per space id, sorted and merged. */
  va: Map<string, [number, number][]>;
  /** A space the selection is about (a VmSpace handle, a cursor's or a mapping's space). */
  space: string | null;
  /** One line saying what is highlighted. */
  label: string;
}

export const NO_HIGHLIGHT: Highlight = {
  frames: [],
  handles: new Set(),
  va: new Map(),
  space: null,
  label: '',
};

function handleFrames(h: HandleInfo): [number, number] | null {
  if (h.pfn !== undefined && h.pages !== undefined) return [h.pfn, h.pfn + h.pages];
  if (h.kind === 'vmspace' && h.root !== undefined) return [h.root, h.root + 1];
  if (
    (h.kind === 'reader' || h.kind === 'writer') &&
    !h.vs &&
    h.ioStart !== undefined &&
    h.ioEnd !== undefined
  )
    return [Math.floor(h.ioStart / 4096), Math.ceil(h.ioEnd / 4096)];
  return null;
}

function handleVa(h: HandleInfo): { space: string; range: [number, number] }[] {
  if (h.kind === 'cursor' && h.vs && h.lockStart !== undefined && h.lockEnd !== undefined)
    return [{ space: h.vs, range: [h.lockStart, h.lockEnd] }];
  if (
    (h.kind === 'reader' || h.kind === 'writer') &&
    h.vs &&
    h.ioStart !== undefined &&
    h.ioEnd !== undefined
  )
    return [
      {
        space: h.vs,
        range: [
          Math.floor(h.ioStart / 4096),
          Math.max(Math.ceil(h.ioEnd / 4096), Math.floor(h.ioStart / 4096) + 1),
        ],
      },
    ];
  return [];
}

/** The violation a selection names, if it still exists. */
export function selectedViolation(
  s: Snapshot,
  sel: Selection,
): Snapshot['violations'][number] | undefined {
  if (sel?.kind !== 'violation') return undefined;
  const v = s.violations[sel.index];
  return v && (sel.id === undefined || v.id === sel.id) ? v : undefined;
}

export function highlightOf(s: Snapshot | null, sel: Selection): Highlight {
  if (!s || !sel) return NO_HIGHLIGHT;
  const frames: [number, number][] = [];
  const handles = new Set<string>();
  const va = new Map<string, [number, number][]>();
  let space: string | null = null;
  let label = '';
  const addVa = (sp: string, r: [number, number]): void => {
    const a = va.get(sp);
    if (a) a.push(r);
    else va.set(sp, [r]);
  };
  const addHandle = (name: string): void => {
    handles.add(name);
    const h = s.handles.find((x) => x.name === name);
    if (!h) return;
    const f = handleFrames(h);
    if (f) frames.push(f);
    for (const v of handleVa(h)) addVa(v.space, v.range);
    if (h.kind === 'vmspace') space ??= h.name;
    else if (h.vs) space ??= h.vs;
    if (h.target) handles.add(h.target);
  };
  if (sel.kind === 'frame') {
    frames.push([sel.pfn, sel.pfn + 1]);
    for (const h of s.handles) {
      const f = handleFrames(h);
      if (f && sel.pfn >= f[0] && sel.pfn < f[1]) handles.add(h.name);
    }
    label = `frame ${paddr(sel.pfn)}`;
  } else if (sel.kind === 'handle') {
    addHandle(sel.name);
    label = `handle ${sel.name}`;
  } else if (sel.kind === 'mapping') {
    frames.push([sel.pfn, sel.pfn + 1]);
    addVa(sel.space, [sel.vpn, sel.vpn + 1]);
    space = sel.space;
    label = `mapping ${sel.space}@${'0x' + (BigInt(sel.vpn) * 4096n).toString(16)}`;
  } else if (sel.kind === 'violation') {
    const v = selectedViolation(s, sel);
    if (!v) return NO_HIGHLIGHT;
    for (const p of v.frames) frames.push([p, p + 1]);
    for (const n of v.handles) addHandle(n);
    label = `violation ${v.id}`;
  }
  for (const [k, r] of va) va.set(k, mergeRanges(r));
  return { frames: mergeRanges(frames), handles, va, space, label };
}

// ---- the frame inspector, as far as the UI can tell ----------------------------------------------

/** A FrameDetail built from the shared memory and the snapshot (no worker round trip). */
export function localFrameDetail(s: Snapshot, pfn: number): FrameDetail | null {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= s.config.nframes) return null;
  const sh = sharedOf(s);
  const w = (k: number): number => sh.meta[pfn * SLOT_WORDS + k]!;
  const words: number[] = [];
  for (let k = 0; k < SLOT_WORDS; k++) words.push(w(k));
  const rc = slotRc(sh.meta, pfn);
  const L = s.layout;
  const region = regionOf(L, pfn);
  const holders: FrameDetail['holders'] = [];
  for (const h of s.handles) {
    const f = handleFrames(h);
    if (!f || pfn < f[0] || pfn >= f[1]) continue;
    const how =
      h.kind === 'frame'
        ? 'UFrame handle'
        : h.kind === 'unique'
          ? 'UniqueFrame handle'
          : h.kind === 'segment'
            ? 'segment cover'
            : h.kind === 'dma'
              ? 'DMA object (holds its pages)'
              : h.kind === 'vmspace'
                ? 'its root page-table node'
                : 'kernel reader/writer (borrows it)';
    holders.push({ name: h.name, how, kind: h.kind });
  }
  const fg = s.forgotten.find((x) => x.pfn === pfn);
  const ptes: FrameDetail['ptes'] = [];
  let pteTotal = 0;
  for (const sp of s.spaces) {
    if (sp.kind !== 'user') continue;
    for (let k = 0; k < sp.runCount; k++) {
      const vpn = sp.runs[k * 4]!;
      const pages = sp.runs[k * 4 + 1]!;
      const f = sp.runs[k * 4 + 2]!;
      if (pfn < f || pfn >= f + pages) continue;
      pteTotal++;
      if (ptes.length < 512)
        ptes.push({
          space: sp.id,
          vpn: vpn + (pfn - f),
          level: 1,
          flags: permText(sp.runs[k * 4 + 3]!),
        });
    }
  }
  const stale = new Set(s.tlb.stale.map((e) => e.index));
  const tlb = tlbEntriesAt(sh.tlb, s.tlb.entries, s.tlb.cpus * s.tlb.entries, pfn, stale);
  const d = s.dma.objects.find((x) => pfn >= x.pfn && pfn < x.pfn + x.pages);
  const violations = s.violations
    .filter((v) => v.frames.includes(pfn))
    .map((v) => ({ id: v.id, message: v.message }));
  const heldBy = holders.map((h) => h.name);
  if (fg) for (const b of fg.by) heldBy.push(`forgotten (${b})`);
  for (const p of ptes) heldBy.push(`${p.space}@${'0x' + (BigInt(p.vpn) * 4096n).toString(16)}`);
  return {
    pfn,
    region,
    slot: {
      words,
      rc,
      rcText: rcText(rc),
      rcState:
        rc === RC_UNUSED
          ? 'UNUSED'
          : rc === RC_UNIQUE
            ? 'UNIQUE'
            : rc === RC_BAND
              ? 'OVERFLOW'
              : rc === 0
                ? 'UNDER_CONSTRUCTION'
                : 'SHARED',
      usage: USAGE_NAMES[w(W_USAGE)] ?? String(w(W_USAGE)),
      storage: STORAGE_NAMES[w(W_STORAGE)] ?? String(w(W_STORAGE)),
      ...slotFields(w),
    },
    holders,
    forgotten: fg ? { count: fg.count, by: fg.by } : null,
    ptes,
    pteTotal,
    linear: '0x' + (0xffff_8000_0000_0000n + BigInt(pfn) * 4096n).toString(16),
    nodeOf: [],
    tlb,
    dma: d ? { name: d.name, daddr: d.daddr + (pfn - d.pfn) * 4096 } : null,
    violations,
    heldBy,
  };
}

/** Reader/writer pairs of one space whose ranges overlap or touch (what vso.*_disjoint check). */
export interface IoConflict {
  space: string;
  a: string;
  b: string;
  id: 'vso.rw_disjoint' | 'vso.ww_disjoint' | 'vso.rr_disjoint';
  /** Byte range where they meet (a touch is a one-byte-wide mark). */
  start: number;
  end: number;
}

export function ioConflicts(handles: readonly HandleInfo[]): IoConflict[] {
  const live = handles.filter(
    (h) =>
      (h.kind === 'reader' || h.kind === 'writer') &&
      h.vs &&
      h.ioCursor !== undefined &&
      h.ioEnd !== undefined &&
      h.ioEnd > h.ioCursor,
  );
  const out: IoConflict[] = [];
  for (let i = 0; i < live.length; i++)
    for (let j = i + 1; j < live.length; j++) {
      const x = live[i]!;
      const y = live[j]!;
      if (x.vs !== y.vs) continue;
      if (x.ioCursor! <= y.ioEnd! && y.ioCursor! <= x.ioEnd!) {
        const id =
          x.kind === 'writer' && y.kind === 'writer'
            ? 'vso.ww_disjoint'
            : x.kind === 'reader' && y.kind === 'reader'
              ? 'vso.rr_disjoint'
              : 'vso.rw_disjoint';
        const start = Math.max(x.ioCursor!, y.ioCursor!);
        const end = Math.min(x.ioEnd!, y.ioEnd!);
        out.push({ space: x.vs!, a: x.name, b: y.name, id, start, end: Math.max(end, start + 1) });
      }
    }
  return out;
}
