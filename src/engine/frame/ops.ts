// Frame, Segment and UniqueFrame operations with OSTD's runtime checks (which always run, even
// under `unsafe`) and vostd's preconditions (which strict mode enforces, naming the clause).
import { hex, paddrText, rangeEnd, type Core } from '../core';
import { fail } from '../errors';
import {
  bind,
  chooseName,
  describeHandle,
  lookup,
  resolvePaddr,
  requireUnborrowed,
  retire,
  checkPaddr,
} from '../handles';
import { isRange, type AddrRef, type RangeRef } from '../ops';
import type { FrameHandle, Handle, SegmentHandle, UniqueHandle } from '../state';
import {
  claimSlot,
  RC_BAND,
  RC_UNIQUE,
  RC_UNUSED,
  Storage,
  Usage,
  Vtable,
  USAGE_NAMES,
  W_OBLIG,
  W_PATHS,
  W_STORAGE,
  W_USAGE,
  W_VTABLE,
  readRc,
  rcText,
  writeRc,
} from './meta';

/** A vostd `requires` clause: strict mode refuses when it does not hold; `unsafe` goes on. */
export function requires(core: Core, holds: boolean, clause: string, message: string): void {
  if (!holds && !core.unsafe) fail('Precondition', message, clause);
}

function mint(core: Core, pfn: number): void {
  core.mem.setSlotWord(pfn, W_OBLIG, core.mem.slotWord(pfn, W_OBLIG) + 1);
}

/** Redeem one obligation; the ghost multiset cannot go below zero (acc.obligations shows it). */
function redeem(core: Core, pfn: number): void {
  const n = core.mem.slotWord(pfn, W_OBLIG);
  if (n > 0) core.mem.setSlotWord(pfn, W_OBLIG, n - 1);
}

/** rc as OSTD's u64 would see it: UNUSED/UNIQUE/the overflow band are all ≥ REF_COUNT_MAX. */
function atOrAboveMax(rc: number): boolean {
  return rc === RC_UNUSED || rc === RC_UNIQUE || rc === RC_BAND;
}

/** `Frame::from_unused` (usage Frame), or `UniqueFrame::from_unused` when `unique`. */
function fromUnused(core: Core, pfn: number, unique: boolean): void {
  const rc = readRc(core.mem, pfn);
  if (rc === RC_UNIQUE) fail('Unique', `frame ${paddrText(pfn)} is owned by a UniqueFrame`);
  if (rc === 0)
    fail('Busy', `frame ${paddrText(pfn)} is being constructed or torn down (refcount 0)`);
  if (rc !== RC_UNUSED) fail('InUse', `frame ${paddrText(pfn)} is in use (refcount ${rcText(rc)})`);
  writeRc(core.mem, pfn, unique ? RC_UNIQUE : 1);
  claimSlot(core.mem, pfn);
  core.mem.setSlotWord(pfn, W_USAGE, Usage.Frame);
  core.mem.setSlotWord(pfn, W_STORAGE, Storage.Untyped);
  core.mem.setSlotWord(pfn, W_VTABLE, Vtable.Untyped);
  mint(core, pfn);
}

/** `drop_last_in_place`: uninitialise the metadata and mark the slot UNUSED. */
function dropLastInPlace(core: Core, pfn: number): void {
  core.mem.setSlotWord(pfn, W_STORAGE, Storage.Uninit);
  core.mem.setSlotWord(pfn, W_VTABLE, Vtable.Uninit);
  writeRc(core.mem, pfn, RC_UNUSED);
  core.allocator.freed(pfn);
}

/** One reference of a shared frame goes away (`fetch_sub`; tear down when it was the last). */
export function releaseRef(core: Core, pfn: number): string {
  const rc = readRc(core.mem, pfn);
  if (rc === 1) {
    dropLastInPlace(core, pfn);
    return 'freed';
  }
  if (rc === RC_UNUSED) {
    // u64::MAX − 1 is REF_COUNT_UNIQUE: unverified code really does wrap there.
    writeRc(core.mem, pfn, RC_UNIQUE);
    return 'refcount wrapped from UNUSED to UNIQUE';
  }
  if (rc === RC_UNIQUE || rc === RC_BAND) {
    writeRc(core.mem, pfn, RC_BAND);
    return 'refcount fell into the overflow band';
  }
  writeRc(core.mem, pfn, rc - 1);
  return `refcount ${rc - 1}`;
}

/** Live Frame handles + segment covers at `pfn` (for the strict drop/segment-cover checks). */
/** Segments and DMA objects covering page `pfn`, by name. */
export function coveredBy(core: Core, pfn: number): string[] {
  const out: string[] = [];
  for (const h of core.ghost.handles.values())
    if ((h.kind === 'segment' || h.kind === 'dma') && pfn >= h.start && pfn < h.end)
      out.push(h.name);
  return out;
}

function coverCount(core: Core, pfn: number): number {
  return coveredBy(core, pfn).length;
}

export function dropRequires(core: Core, pfn: number, what: string): void {
  const rc = readRc(core.mem, pfn);
  requires(
    core,
    rc > 0 && !atOrAboveMax(rc),
    'drop_requires.wf_with_region',
    `${what}: frame ${paddrText(pfn)} has refcount ${rcText(rc)}, but dropping a handle needs 0 < refcount ≤ REF_COUNT_MAX (double free?)`,
  );
  requires(
    core,
    rc !== 1 || core.mem.slotWord(pfn, W_PATHS) === 0,
    'drop_requires.last_unmapped',
    `${what}: this is the last reference to frame ${paddrText(pfn)} but a page table still maps it (refcount 1 ⇒ paths_in_pt empty)`,
  );
  requires(
    core,
    core.mem.slotWord(pfn, W_OBLIG) > 0,
    'drop_requires.obligation',
    `${what}: frame ${paddrText(pfn)} has no outstanding obligation to redeem`,
  );
}

// ---- commands ---------------------------------------------------------------------------------

export function alloc(
  core: Core,
  count: bigint | undefined,
  zeroed: boolean,
  unique: boolean,
  as?: string,
): string {
  const n = count ?? 1n;
  // The result's name before the count: a live name is a problem of the line itself.
  const kind = unique ? 'unique' : n <= 1n ? 'frame' : 'segment';
  const name = chooseName(core, kind, as);
  if (unique && n !== 1n)
    fail('InvalidArgs', 'a UniqueFrame is one frame: `alloc unique` takes no count');
  if (n <= 0n) fail('InvalidArgs', `cannot allocate ${n} frames`);
  if (n > BigInt(core.layout.nframes))
    fail('NoMemory', `${n} frames is more than this machine has`);
  const nframes = Number(n);
  const start = core.allocator.find(nframes);
  if (start < 0)
    fail(
      'NoMemory',
      nframes === 1
        ? 'no free frame is left'
        : `no run of ${nframes} contiguous free frames is left`,
    );
  for (let p = start; p < start + nframes; p++) {
    fromUnused(core, p, unique);
    if (zeroed) core.mem.zeroFrame(p);
  }
  const h: Handle =
    kind === 'segment'
      ? { kind, name, start, end: start + nframes, site: core.site }
      : { kind, name, pfn: start, site: core.site };
  return describeHandle(bind(core, h));
}

/** `Frame::from_in_use` */
export function frameFromInUse(core: Core, paddr: AddrRef, as?: string): string {
  // A handle name, then the result's name, then a number's checks (NotAligned, OutOfBound).
  const named = 'name' in paddr ? resolvePaddr(core, paddr) : undefined;
  const name = chooseName(core, 'frame', as);
  const pfn = named ?? resolvePaddr(core, paddr);
  const rc = readRc(core.mem, pfn);
  if (rc === RC_UNUSED) fail('Unused', `frame ${paddrText(pfn)} is not in use`);
  if (rc === RC_UNIQUE)
    fail('Unique', `frame ${paddrText(pfn)} is owned by a UniqueFrame and cannot be shared`);
  if (rc === 0)
    fail('Busy', `frame ${paddrText(pfn)} is being constructed or torn down (refcount 0)`);
  if (rc === RC_BAND)
    fail(
      'Panic',
      `refcount of ${paddrText(pfn)} is at or above REF_COUNT_MAX`,
      'refcount overflow',
    );
  const usage = core.mem.slotWord(pfn, W_USAGE);
  requires(
    core,
    usage === Usage.Frame,
    'frame_handle.usage_frame',
    `frame ${paddrText(pfn)} has usage ${USAGE_NAMES[usage]}, and a frame handle must point at usage Frame`,
  );
  writeRc(core.mem, pfn, rc + 1);
  mint(core, pfn);
  return describeHandle(bind(core, { kind: 'frame', name, pfn, site: core.site }));
}

export function clone(core: Core, name: string, as?: string): string {
  const h = lookup(core, name, ['frame', 'segment', 'unique']);
  if (h.kind === 'unique')
    fail(
      'WrongKind',
      `\`${name}\` is a UniqueFrame, which is not Clone: \`share ${name}\` turns it into a shared frame first`,
    );
  const newName = chooseName(core, h.kind, as);
  const pages = h.kind === 'segment' ? [h.start, h.end] : [h.pfn, h.pfn + 1];
  // The precondition (rc > 0, rc ≠ UNUSED) on every page first: only code past it reaches the
  // overflow check (a segment's later page may break the precondition, an earlier one overflow).
  for (let p = pages[0]!; p < pages[1]!; p++) {
    const rc = readRc(core.mem, p);
    requires(
      core,
      rc !== 0 && rc !== RC_UNUSED,
      'clone.in_use',
      `frame ${paddrText(p)} has refcount ${rcText(rc)}: cloning needs a frame in use`,
    );
  }
  for (let p = pages[0]!; p < pages[1]!; p++) {
    const rc = readRc(core.mem, p);
    if (atOrAboveMax(rc))
      fail(
        'Panic',
        `refcount of ${paddrText(p)} is ${rcText(rc)}, at or above REF_COUNT_MAX`,
        'refcount overflow',
      );
  }
  for (let p = pages[0]!; p < pages[1]!; p++) {
    writeRc(core.mem, p, readRc(core.mem, p) + 1);
    mint(core, p);
  }
  return describeHandle(bind(core, { ...h, name: newName, site: core.site }));
}

export function drop(core: Core, name: string): string {
  const h = lookup(core, name, ['frame', 'segment', 'unique']);
  // A borrowed handle cannot be moved at all (Rust's borrow check): before drop's own checks.
  requireUnborrowed(core, h);
  const what = `drop ${name}`;
  if (h.kind === 'frame') {
    dropRequires(core, h.pfn, what);
    requires(
      core,
      coverCount(core, h.pfn) === 0 || readRc(core.mem, h.pfn) > coverCount(core, h.pfn),
      'FrameDrop.no_segment_cover',
      `${what}: frame ${paddrText(h.pfn)} holds only the references its segments hold; dropping it would take a segment's reference`,
    );
    retire(core, h, 'dropped');
    redeem(core, h.pfn);
    return `dropped ${name} (${paddrText(h.pfn)}: ${releaseRef(core, h.pfn)})`;
  }
  if (h.kind === 'segment') {
    for (let p = h.start; p < h.end; p++) dropRequires(core, p, what);
    retire(core, h, 'dropped');
    let freed = 0;
    for (let p = h.start; p < h.end; p++) {
      redeem(core, p);
      if (releaseRef(core, p) === 'freed') freed++;
    }
    return `dropped ${name} (${h.end - h.start} frame${h.end - h.start === 1 ? '' : 's'}, ${freed} freed)`;
  }
  const rc = readRc(core.mem, h.pfn);
  requires(
    core,
    rc === RC_UNIQUE,
    'unique_drop.is_unique',
    `${what}: frame ${paddrText(h.pfn)} has refcount ${rcText(rc)}, not UNIQUE`,
  );
  retire(core, h, 'dropped');
  redeem(core, h.pfn);
  dropLastInPlace(core, h.pfn);
  return `dropped ${name} (${paddrText(h.pfn)}: freed)`;
}

export function intoRaw(core: Core, name: string): string {
  const h = lookup(core, name, ['frame', 'segment', 'unique']);
  requireUnborrowed(core, h);
  const first = h.kind === 'segment' ? h.start : h.pfn;
  const end = h.kind === 'segment' ? h.end : h.pfn + 1;
  for (let p = first; p < end; p++) {
    const rc = readRc(core.mem, p);
    requires(
      core,
      rc !== RC_UNUSED,
      'into_raw.in_use',
      `frame ${paddrText(p)} is UNUSED: there is no reference to forget`,
    );
    requires(
      core,
      core.mem.slotWord(p, W_USAGE) !== Usage.PageTable,
      'into_raw.not_page_table',
      `frame ${paddrText(p)} is a page-table node; into_raw needs usage ≠ PageTable`,
    );
    requires(
      core,
      core.mem.slotWord(p, W_OBLIG) > 0,
      'into_raw.obligation',
      `frame ${paddrText(p)} has no obligation to redeem`,
    );
  }
  retire(core, h, 'forgotten by into_raw');
  for (let p = first; p < end; p++) {
    redeem(core, p);
    const f = core.ghost.forgotten.get(p) ?? { frames: 0, uniques: 0, by: [] };
    if (h.kind === 'unique') f.uniques++;
    else f.frames++;
    f.by.push(`into_raw ${name} at line ${core.site.line}`);
    core.ghost.forgotten.set(p, f);
    core.effects.push({
      kind: 'forget',
      pfn: p,
      text: `${paddrText(p)}: a reference is now forgotten (into_raw ${name})`,
    });
  }
  return h.kind === 'segment' ? `${paddrText(first)}..${paddrText(end)}` : paddrText(first);
}

export function fromRaw(core: Core, target: AddrRef | RangeRef, as?: string): string {
  let first: number;
  let end: number;
  // A handle name, then a live result name (`as`), then the numbers' own checks.
  const start = isRange(target) ? target.start : target;
  if ('name' in start) resolvePaddr(core, start);
  if (as !== undefined) chooseName(core, 'frame', as);
  if (isRange(target)) {
    first = resolvePaddr(core, target.start);
    const endPa = rangeEnd(BigInt(first * core.consts.pageSize), target);
    if (endPa === BigInt(first * core.consts.pageSize))
      fail('Panic', 'from_raw of an empty range', 'empty segment');
    end =
      endPa === BigInt(core.layout.nframes * core.consts.pageSize)
        ? core.layout.nframes
        : checkPaddr(core, endPa);
    if (end <= first)
      fail('InvalidArgs', `range ${paddrText(first)}..${hex(endPa)} is empty or reversed`);
  } else {
    first = resolvePaddr(core, target);
    end = first + 1;
    // `from_raw s` revives what `into_raw s` forgot: the whole segment.
    const g = 'name' in target ? core.ghost.gone.get((target as { name: string }).name) : undefined;
    if (g && g.kind === 'segment' && g.how.startsWith('forgotten')) end = first + g.npages;
  }
  const isSegment = isRange(target) || end - first > 1;
  const f0 = core.ghost.forgotten.get(first);
  const unique = !isSegment && f0 !== undefined && f0.frames === 0 && f0.uniques > 0;
  const kind = isSegment ? 'segment' : unique ? 'unique' : 'frame';
  const name = chooseName(core, kind, as);
  for (let p = first; p < end; p++) {
    const f = core.ghost.forgotten.get(p);
    requires(
      core,
      f !== undefined && f.frames + f.uniques > 0,
      'from_raw.forgotten',
      `nothing forgot a reference to ${paddrText(p)}: from_raw may only revive what into_raw forgot`,
    );
    requires(
      core,
      readRc(core.mem, p) !== RC_UNUSED,
      'from_raw.in_use',
      `frame ${paddrText(p)} is UNUSED`,
    );
    if (isSegment) {
      requireSharedPage(core, p, '');
      requires(
        core,
        core.mem.slotWord(p, W_PATHS) === 0,
        'Segment::relate_regions.unmapped',
        `frame ${paddrText(p)} is mapped by a page table: a segment's frames may not be`,
      );
      // relate_regions also asks usage Frame: no segment over a Meta or page-table frame.
      const usage = core.mem.slotWord(p, W_USAGE);
      requires(
        core,
        usage === Usage.Frame,
        'Segment::relate_regions.usage_frame',
        `frame ${paddrText(p)} has usage ${USAGE_NAMES[usage]}: a segment's frames have usage Frame`,
      );
    }
  }
  for (let p = first; p < end; p++) {
    const f = core.ghost.forgotten.get(p);
    if (f && f.frames + f.uniques > 0) {
      if (unique) f.uniques--;
      else if (f.frames > 0) f.frames--;
      else f.uniques--;
      f.by.shift();
      if (f.frames + f.uniques === 0) core.ghost.forgotten.delete(p);
    }
    mint(core, p);
    core.effects.push({ kind: 'revive', pfn: p, text: `${paddrText(p)}: revived by from_raw` });
  }
  const h: Handle = isSegment
    ? { kind: 'segment', name, start: first, end, site: core.site }
    : { kind: unique ? 'unique' : 'frame', name, pfn: first, site: core.site };
  return describeHandle(bind(core, h));
}

/** Segment relate_regions for one page: it is shared (a page freed under `unsafe` is not). */
function requireSharedPage(core: Core, p: number, of: string): void {
  const rc = readRc(core.mem, p);
  requires(
    core,
    rc > 0 && !atOrAboveMax(rc),
    'Segment::relate_regions.shared',
    `frame ${paddrText(p)}${of} has refcount ${rcText(rc)}: a segment's pages are shared (0 < refcount ≤ REF_COUNT_MAX)`,
  );
}

/** Segment's invariant, which split, slice and next require of `self`: every page shared. */
function requireSharedPages(core: Core, s: SegmentHandle): void {
  for (let p = s.start; p < s.end; p++) requireSharedPage(core, p, ` of ${s.name}`);
}

function segBytes(core: Core, s: SegmentHandle): bigint {
  return BigInt((s.end - s.start) * core.consts.pageSize);
}

export function split(core: Core, name: string, offset: bigint, as?: [string, string]): string {
  const s = lookup(core, name, ['segment']);
  const a = chooseName(core, 'segment', as?.[0], [name]);
  const b = chooseName(core, 'segment', as?.[1], [name, a]);
  requireUnborrowed(core, s);
  requireSharedPages(core, s);
  const ps = BigInt(core.consts.pageSize);
  if (offset % ps !== 0n || offset <= 0n || offset >= segBytes(core, s))
    fail(
      'Panic',
      `split offset ${hex(offset)} must be page-aligned and strictly inside ${name} (size ${hex(segBytes(core, s))})`,
      'split offset',
    );
  const mid = s.start + Number(offset / ps);
  retire(core, s, `split into ${a} and ${b}`);
  const ha = bind(core, { kind: 'segment', name: a, start: s.start, end: mid, site: core.site });
  const hb = bind(core, { kind: 'segment', name: b, start: mid, end: s.end, site: core.site });
  return `${describeHandle(ha)}; ${describeHandle(hb)}`;
}

export function slice(core: Core, name: string, range: RangeRef, as?: string): string {
  const s = lookup(core, name, ['segment']);
  const newName = chooseName(core, 'segment', as);
  if ('name' in range.start)
    fail('InvalidArgs', 'slice takes byte offsets within the segment, not an address name');
  const start = range.start.num;
  const end = rangeEnd(start, range);
  requireSharedPages(core, s);
  const ps = BigInt(core.consts.pageSize);
  if (start % ps !== 0n || end % ps !== 0n)
    fail('Panic', `slice ${hex(start)}..${hex(end)} is not page-aligned`, 'slice alignment');
  if (start > end)
    fail('Panic', `slice start ${hex(start)} is after its end ${hex(end)}`, 'slice range');
  if (end > segBytes(core, s))
    fail(
      'Panic',
      `slice end ${hex(end)} is past the end of ${name} (size ${hex(segBytes(core, s))})`,
      'slice range',
    );
  const first = s.start + Number(start / ps);
  const last = s.start + Number(end / ps);
  for (let p = first; p < last; p++)
    if (atOrAboveMax(readRc(core.mem, p)))
      fail('Panic', `refcount of ${paddrText(p)} would overflow`, 'refcount overflow');
  for (let p = first; p < last; p++) {
    writeRc(core.mem, p, readRc(core.mem, p) + 1);
    mint(core, p);
  }
  return describeHandle(
    bind(core, { kind: 'segment', name: newName, start: first, end: last, site: core.site }),
  );
}

export function next(core: Core, name: string, as?: string): string {
  const s = lookup(core, name, ['segment']);
  // A live `as` name is refused even when an empty segment would bind nothing.
  if (as !== undefined) chooseName(core, 'frame', as);
  requireUnborrowed(core, s);
  if (s.start === s.end) return 'none (the segment is empty)';
  const newName = chooseName(core, 'frame', as);
  const pfn = s.start;
  // A page freed under `unsafe` would come out as a handle to a free frame.
  requireSharedPages(core, s);
  // The segment's reference to its front page becomes the frame's: obligations stay as they are.
  core.ghost.handles.set(name, { ...s, start: s.start + 1 });
  return describeHandle(bind(core, { kind: 'frame', name: newName, pfn, site: core.site }));
}

/** `Frame::from_unique` */
export function share(core: Core, name: string, as?: string): string {
  const u: UniqueHandle = lookup(core, name, ['unique']);
  const newName = chooseName(core, 'frame', as, [name]);
  requireUnborrowed(core, u);
  const rc = readRc(core.mem, u.pfn);
  requires(
    core,
    rc === RC_UNIQUE,
    'from_unique.is_unique',
    `frame ${paddrText(u.pfn)} has refcount ${rcText(rc)}, not UNIQUE`,
  );
  retire(core, u, `shared as ${newName}`);
  writeRc(core.mem, u.pfn, 1);
  return describeHandle(bind(core, { kind: 'frame', name: newName, pfn: u.pfn, site: core.site }));
}

/** `UniqueFrame::try_from_shared` */
export function unique(core: Core, name: string, as?: string): string {
  const f: FrameHandle = lookup(core, name, ['frame']);
  const newName = chooseName(core, 'unique', as, [name]);
  requireUnborrowed(core, f);
  const rc = readRc(core.mem, f.pfn);
  if (rc !== 1)
    fail(
      'InUse',
      `frame ${paddrText(f.pfn)} has refcount ${rcText(rc)}: only the sole reference (refcount 1) can become unique`,
    );
  retire(core, f, `made unique as ${newName}`);
  writeRc(core.mem, f.pfn, RC_UNIQUE);
  return describeHandle(bind(core, { kind: 'unique', name: newName, pfn: f.pfn, site: core.site }));
}
