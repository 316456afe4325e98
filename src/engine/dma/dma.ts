import { PF_R, PF_W, CachePolicy, encodeLeaf, ptePaddr } from '../arch';
import { hex, paddrText, rangeEnd, type Core } from '../core';
import { fail } from '../errors';
import {
  RC_BAND,
  RC_UNIQUE,
  RC_UNUSED,
  USAGE_NAMES,
  Usage,
  W_OBLIG,
  W_PATHS,
  W_PT_NR_CHILDREN,
  W_USAGE,
  readRc,
  rcText,
} from '../frame/meta';
import { dropRequires, releaseRef, requires } from '../frame/ops';
import { bind, chooseName, describeHandle, lookup, requireUnborrowed, retire } from '../handles';
import { childOrCreate, freeNode, indexAt, setPte, walk } from '../page_table/node';
import type { DmaDirection, DmaHandle } from '../state';
import { bytesText } from '../vm_space';

const PAGE = 4096;
const MAX_IO = 1 << 20;

// ---- IOMMU ---------------------------------------------------------------------------------------

function iommuMap(core: Core, dpage: number, pfn: number): void {
  let node = core.layout.iommuRoot;
  for (let level = 4; level > 1; level--)
    node = childOrCreate(core, node, level, indexAt(dpage, level));
  const [lo, hi] = encodeLeaf(pfn * PAGE, {
    flags: PF_R | PF_W,
    cache: CachePolicy.Writeback,
    priv: 0,
  });
  setPte(core, node, indexAt(dpage, 1), lo, hi);
}

/** Clear a device page's entry and free the IOMMU nodes that became empty. */
function iommuUnmap(core: Core, dpage: number): void {
  const w = walk(core.mem, core.layout.iommuRoot, dpage);
  if (!w.ok) return;
  setPte(core, w.node, w.idx, 0, 0);
  for (let k = w.path.length - 1; k > 0; k--) {
    const node = w.path[k]!;
    if (core.mem.slotWord(node, W_PT_NR_CHILDREN) !== 0) break;
    setPte(core, w.path[k - 1]!, w.indices[k - 1]!, 0, 0);
    freeNode(core, node);
  }
}

/** Device address → physical address, through the IOMMU when it is on. */
export function deviceToPhys(core: Core, d: DmaHandle, off: number): number {
  const daddr = d.daddr + off;
  if (core.layout.iommuRoot < 0) return daddr;
  const w = walk(core.mem, core.layout.iommuRoot, Math.floor(daddr / PAGE));
  if (!w.ok) fail('PageFault', `IOMMU fault: device address ${hex(daddr)} is not mapped`);
  return ptePaddr(w.lo, w.hi) + (daddr % PAGE);
}

// ---- map and drop --------------------------------------------------------------------------------

export function dmaMap(
  core: Core,
  stream: boolean,
  hname: string,
  dir: DmaDirection | undefined,
  coherent: boolean | undefined,
  as?: string,
): string {
  const h = lookup(core, hname, ['frame', 'segment']);
  const name = chooseName(core, 'dma', as, [hname]);
  requireUnborrowed(core, h);
  const start = h.kind === 'frame' ? h.pfn : h.start;
  const end = h.kind === 'frame' ? h.pfn + 1 : h.end;
  if (end === start) fail('InvalidArgs', `${hname} is an empty segment`);
  for (let p = start; p < end; p++) {
    const rc = readRc(core.mem, p);
    requires(
      core,
      rc > 0 && rc !== RC_UNUSED && rc !== RC_UNIQUE && rc !== RC_BAND,
      'Segment::relate_regions.in_use',
      `frame ${paddrText(p)} has refcount ${rcText(rc)}: a DMA buffer's frames must be in use`,
    );
    requires(
      core,
      core.mem.slotWord(p, W_PATHS) === 0,
      'Segment::relate_regions.unmapped',
      `frame ${paddrText(p)} is mapped by a page table: a DMA buffer may not also be mapped to user space`,
    );
    // The buffer is a Segment, whose relate_regions asks usage Frame (not Meta, not a PT node).
    const usage = core.mem.slotWord(p, W_USAGE);
    requires(
      core,
      usage === Usage.Frame,
      'Segment::relate_regions.usage_frame',
      `frame ${paddrText(p)} has usage ${USAGE_NAMES[usage]}: a DMA buffer's frames have usage Frame`,
    );
  }
  for (let p = start; p < end; p++) {
    const other = core.ghost.dmaSet.get(p);
    if (other !== undefined)
      fail('AlreadyMapped', `frame ${paddrText(p)} is already DMA-mapped by ${other}`);
  }
  const isCoherent = coherent ?? !stream;
  let daddr = start * PAGE;
  if (core.layout.iommuRoot >= 0) {
    const first = core.ghost.daddrNext;
    core.ghost.daddrNext += end - start;
    for (let p = start; p < end; p++) iommuMap(core, first + (p - start), p);
    daddr = first * PAGE;
  }
  for (let p = start; p < end; p++) core.ghost.dmaSet.set(p, name);
  retire(core, h, `moved into DMA object ${name}`);
  const d: DmaHandle = {
    kind: 'dma',
    name,
    stream,
    dir: stream ? (dir ?? 'both') : null,
    coherent: isCoherent,
    start,
    end,
    daddr,
    device:
      stream && !isCoherent
        ? new Uint8Array(core.mem.readBytes(start * PAGE, (end - start) * PAGE))
        : null,
    deviceDirty: false,
    dirtyBytes: stream && !isCoherent ? new Uint8Array((end - start) * PAGE) : null,
    staleRead: false,
    site: core.site,
  };
  return describeHandle(bind(core, d));
}

export function dmaDrop(core: Core, d: DmaHandle): string {
  requireUnborrowed(core, d);
  for (let p = d.start; p < d.end; p++) dropRequires(core, p, `drop ${d.name}`);
  retire(core, d, 'dropped');
  for (let p = d.start; p < d.end; p++) {
    core.ghost.dmaSet.delete(p);
    if (core.layout.iommuRoot >= 0) iommuUnmap(core, Math.floor(d.daddr / PAGE) + (p - d.start));
    // The held segment's obligation goes with it.
    const n = core.mem.slotWord(p, W_OBLIG);
    if (n > 0) core.mem.setSlotWord(p, W_OBLIG, n - 1);
    releaseRef(core, p);
  }
  return `dropped ${d.name}: ${d.end - d.start} page${d.end - d.start === 1 ? '' : 's'} left the DMA mapping set${core.layout.iommuRoot >= 0 ? ' and the IOMMU' : ''}`;
}

// ---- sync and the device -------------------------------------------------------------------------

function byteRange(d: DmaHandle, s: bigint, e: bigint): [number, number] {
  const size = (d.end - d.start) * PAGE;
  if (s > e) fail('InvalidArgs', `range ${hex(s)}..${hex(e)} is reversed`);
  if (e > BigInt(size))
    fail(
      'InvalidArgs',
      `range ${hex(s)}..${hex(e)} is past the end of ${d.name} (${hex(size)} bytes)`,
    );
  return [Number(s), Number(e)];
}

function put(core: Core, d: DmaHandle): void {
  core.ghost.handles.set(d.name, d);
}

export function sync(
  core: Core,
  name: string,
  to: 'to_device' | 'from_device',
  range?: { start: { num: bigint } | { name: string }; end?: bigint; len?: bigint },
): string {
  const d = lookup(core, name, ['dma']);
  if (d.stream) {
    if (to === 'to_device' && d.dir === 'from_device')
      fail('AccessDenied', `${name} is a FromDevice stream: sync_to_device is not allowed`);
    if (to === 'from_device' && d.dir === 'to_device')
      fail('AccessDenied', `${name} is a ToDevice stream: sync_from_device is not allowed`);
  }
  let s = 0n;
  let e = BigInt((d.end - d.start) * PAGE);
  if (range) {
    if ('name' in range.start) fail('InvalidArgs', 'a DMA range is byte offsets within the buffer');
    s = range.start.num;
    e = rangeEnd(s, range);
  }
  const [a, b] = byteRange(d, s, e);
  if (!d.device) return `${name} is coherent: nothing to sync (${hex(a)}..${hex(b)})`;
  const base = d.start * PAGE;
  if (to === 'to_device') {
    // The CPU's bytes replace what the device wrote there: reading them later is not stale.
    d.device.set(core.mem.readBytes(base + a, b - a), a);
    d.dirtyBytes!.fill(0, a, b);
    d.deviceDirty = d.dirtyBytes!.includes(1);
  } else {
    core.mem.writeBytes(base + a, d.device.subarray(a, b));
    d.dirtyBytes!.fill(0, a, b);
    d.deviceDirty = d.dirtyBytes!.includes(1);
    d.staleRead = false;
  }
  put(core, d);
  return `synced ${name} ${to === 'to_device' ? 'CPU → device' : 'device → CPU'} over ${hex(a)}..${hex(b)}`;
}

export function deviceRead(core: Core, name: string, off: bigint, len: bigint): string {
  const d = lookup(core, name, ['dma']);
  if (d.stream && d.dir === 'from_device')
    fail('AccessDenied', `${name} is a FromDevice stream: the device only writes it`);
  if (len > BigInt(MAX_IO)) fail('InvalidArgs', `at most ${MAX_IO} bytes at a time`);
  const [a, b] = byteRange(d, off, off + len);
  const out = new Uint8Array(b - a);
  for (let i = a; i < b; i++)
    out[i - a] = d.device ? d.device[i]! : core.mem.readBytes(deviceToPhys(core, d, i), 1)[0]!;
  if (d.device) for (let i = a; i < b; i += PAGE) deviceToPhys(core, d, i); // the IOMMU still translates
  core.data = out;
  // The bytes themselves, as `read` shows what the CPU read.
  return `device read ${b - a} byte${b - a === 1 ? '' : 's'} at device address ${hex(d.daddr + a)}: ${bytesText(out)}`;
}

/** `data` is called after the name and direction checks, as `device read` checks its length. */
export function deviceWrite(core: Core, name: string, off: bigint, data: () => Uint8Array): string {
  const d = lookup(core, name, ['dma']);
  if (d.stream && d.dir === 'to_device')
    fail('AccessDenied', `${name} is a ToDevice stream: the device only reads it`);
  const bytes = data();
  const [a, b] = byteRange(d, off, off + BigInt(bytes.length));
  if (d.device) {
    for (let i = a; i < b; i += PAGE) deviceToPhys(core, d, i);
    d.device.set(bytes, a);
    d.dirtyBytes!.fill(1, a, b);
    d.deviceDirty = true;
    put(core, d);
  } else
    for (let i = a; i < b; i++)
      core.mem.writeBytes(deviceToPhys(core, d, i), bytes.subarray(i - a, i - a + 1));
  return `device wrote ${b - a} byte${b - a === 1 ? '' : 's'} at device address ${hex(d.daddr + a)}${d.device ? ' (the CPU sees them after `sync ' + name + ' from_device`)' : ''}`;
}

/** The CPU read DMA memory through a kernel reader: reading device data before syncing is stale. */
/**
 * The CPU read physical bytes [pa, pa + n), by whatever path (a reader over the DMA object, over
 * a frame or segment of the same pages, a user mapping of them): bytes a non-coherent stream's
 * device wrote since the last `sync from_device` are stale in memory, and the read is marked.
 */
export function cpuBytesRead(core: Core, pa: number, n: number): void {
  const set = core.ghost.dmaSet;
  if (set.size === 0 || n <= 0) return;
  for (let p = Math.floor(pa / PAGE); p * PAGE < pa + n; p++) {
    const name = set.get(p);
    const d = name === undefined ? undefined : core.ghost.handles.get(name);
    if (d?.kind !== 'dma' || !d.dirtyBytes || !d.deviceDirty || d.dir === 'to_device') continue;
    if (d.staleRead) continue;
    const from = Math.max(pa, p * PAGE) - d.start * PAGE;
    const to = Math.min(pa + n, (p + 1) * PAGE) - d.start * PAGE;
    if (!d.dirtyBytes.subarray(from, to).includes(1)) continue;
    d.staleRead = true;
    put(core, d);
  }
}

export function showDma(core: Core): string {
  const ds = [...core.ghost.handles.values()].filter((h): h is DmaHandle => h.kind === 'dma');
  const lines = [
    `DMA mapping set: ${core.ghost.dmaSet.size} page${core.ghost.dmaSet.size === 1 ? '' : 's'}; IOMMU ${core.layout.iommuRoot >= 0 ? `on (root ${paddrText(core.layout.iommuRoot)})` : 'off (device address = physical address)'}`,
  ];
  for (const d of ds)
    lines.push(
      `  ${describeHandle(d)}${d.device ? (d.deviceDirty ? '; device wrote since the last sync from_device' : '; in sync') : ''}${d.staleRead ? '; STALE READ' : ''}`,
    );
  return lines.join('\n');
}
