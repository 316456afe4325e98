// The machine's state outside the SharedArrayBuffer: the handle table and the ghost ledgers of
// vostd's embedding (forgotten references, names that moved). Small, plain data: cloned whole
// before each step so a failing command can be rolled back and a step undone.

/** Where something happened: the script line and the command's text. */
export interface Site {
  line: number;
  text: string;
}

export type FrameHandle = { kind: 'frame'; name: string; pfn: number; site: Site };
/** A Segment covers page numbers [start, end); each covered page holds one reference. */
export type SegmentHandle = {
  kind: 'segment';
  name: string;
  start: number;
  end: number;
  site: Site;
};
export type UniqueHandle = { kind: 'unique'; name: string; pfn: number; site: Site };
/** A user address space (UserPtConfig): its root page-table node. */
export type VmSpaceHandle = { kind: 'vmspace'; name: string; root: number; site: Site };
/**
 * A page-table cursor. Addresses are page numbers: the barrier [start, end) it was created over,
 * its current `va`, and the span [lockStart, lockEnd) of the subtree it locked (the lowest node
 * covering the barrier, at `guardLevel`).
 */
export type CursorHandle = {
  kind: 'cursor';
  name: string;
  vs: string;
  mut: boolean;
  start: number;
  end: number;
  va: number;
  guardLevel: number;
  lockStart: number;
  lockEnd: number;
  site: Site;
};
/**
 * A VmReader/VmWriter with its ghost VmIoOwner. A user (fallible) one covers virtual addresses of
 * `vs` and carries the view it took when created (the mappings of its range: page → frame); a
 * kernel (infallible) one covers physical addresses through the linear map and borrows `target`.
 */
export type IoHandle = {
  kind: 'reader' | 'writer';
  name: string;
  id: number;
  vs: string | null;
  target: string | null;
  fallible: boolean;
  /** [cursor, end): virtual (user) or physical (kernel) byte addresses. */
  cursor: number;
  end: number;
  /** The owner's range as created (for the disjointness checks). */
  start: number;
  view: [number, number][];
  site: Site;
};

export type DmaDirection = 'to_device' | 'from_device' | 'both';

/** A DmaCoherent (dir null) or DmaStream: holds its pages [start, end) as a segment does. */
export type DmaHandle = {
  kind: 'dma';
  name: string;
  stream: boolean;
  dir: DmaDirection | null;
  coherent: boolean;
  start: number;
  end: number;
  /** Device address of the first byte (== the physical address without an IOMMU). */
  daddr: number;
  /** Non-coherent buffers: the device-side copy, and whether the device wrote it since the last sync from the device. */
  device: Uint8Array | null;
  deviceDirty: boolean;
  /** Per byte: 1 where the device wrote since the last `sync from_device` over it. */
  dirtyBytes: Uint8Array | null;
  /** dma.stale_read: the CPU read device-written data before syncing it. */
  staleRead: boolean;
  site: Site;
};

export type FrameLike = FrameHandle | SegmentHandle | UniqueHandle;
export type Handle = FrameLike | VmSpaceHandle | CursorHandle | IoHandle | DmaHandle;
export type HandleKind = Handle['kind'];

export const KIND_TYPE: Record<HandleKind, string> = {
  frame: 'UFrame',
  segment: 'Segment',
  unique: 'UniqueFrame',
  vmspace: 'VmSpace',
  cursor: 'Cursor',
  reader: 'VmReader',
  writer: 'VmWriter',
  dma: 'DMA object',
};

/** Default-name prefixes (commands.md). */
export const KIND_PREFIX: Record<HandleKind, string> = {
  frame: 'f',
  segment: 's',
  unique: 'u',
  vmspace: 'vs',
  cursor: 'c',
  reader: 'r',
  writer: 'w',
  dma: 'd',
};

/** A name whose handle was moved or dropped: it still names its address. */
export interface Gone {
  kind: HandleKind;
  pfn: number;
  npages: number;
  how: string;
  site: Site;
}

/** References `into_raw` forgot at one page and no `from_raw` has taken back yet. */
export interface Forgotten {
  frames: number;
  uniques: number;
  /** Who forgot them, oldest first (for naming a leak). */
  by: string[];
}

export interface Ghost {
  handles: Map<string, Handle>;
  gone: Map<string, Gone>;
  forgotten: Map<number, Forgotten>;
  nameHint: Record<string, number>;
  cpu: number;
  /** The VM space active on each CPU (null: the kernel page table). */
  active: (string | null)[];
  /** VmIoOwner ids. */
  nextIoId: number;
  /** DMA_MAPPING_SET: physical page → the DMA object mapping it. */
  dmaSet: Map<number, string>;
  /** The next free device address page (IOMMU on); device addresses are never reused, as upstream. */
  daddrNext: number;
}

export function newGhost(cpus: number): Ghost {
  return {
    handles: new Map(),
    gone: new Map(),
    forgotten: new Map(),
    nameHint: {},
    cpu: 0,
    active: new Array<string | null>(cpus).fill(null),
    nextIoId: 1,
    dmaSet: new Map(),
    daddrNext: DADDR_BASE_PAGE,
  };
}

/** With the IOMMU on, device addresses start at 4 GiB, above any physical address. */
export const DADDR_BASE_PAGE = 0x10_0000;

/** A deep copy (before every step). Written out rather than `structuredClone`: several times faster. */
export function cloneGhost(g: Ghost): Ghost {
  const handles = new Map<string, Handle>();
  for (const [k, h] of g.handles) handles.set(k, cloneHandle(h));
  const gone = new Map<string, Gone>();
  for (const [k, x] of g.gone) gone.set(k, { ...x, site: { ...x.site } });
  const forgotten = new Map<number, Forgotten>();
  for (const [k, f] of g.forgotten) forgotten.set(k, { ...f, by: [...f.by] });
  return {
    handles,
    gone,
    forgotten,
    nameHint: { ...g.nameHint },
    cpu: g.cpu,
    active: [...g.active],
    nextIoId: g.nextIoId,
    dmaSet: new Map(g.dmaSet),
    daddrNext: g.daddrNext,
  };
}

function cloneHandle(h: Handle): Handle {
  const site = { ...h.site };
  switch (h.kind) {
    case 'reader':
    case 'writer':
      return { ...h, site, view: h.view.map(([a, b]): [number, number] => [a, b]) };
    case 'dma':
      return {
        ...h,
        site,
        device: h.device ? h.device.slice() : null,
        dirtyBytes: h.dirtyBytes ? h.dirtyBytes.slice() : null,
      };
    default:
      return { ...h, site };
  }
}

export function siteText(s: Site): string {
  return s.line > 0 ? `line ${s.line} (\`${s.text}\`)` : `\`${s.text}\``;
}

/** Number of pages a handle covers. */
export function handlePages(h: Handle): number {
  if (h.kind === 'segment' || h.kind === 'dma') return h.end - h.start;
  return h.kind === 'frame' || h.kind === 'unique' ? 1 : 0;
}

/** The physical page a handle names (-1 for handles that name no physical address). */
export function handleFirstPfn(h: Handle): number {
  if (h.kind === 'segment' || h.kind === 'dma') return h.start;
  return h.kind === 'frame' || h.kind === 'unique' ? h.pfn : -1;
}
