// VmSpace (UserPtConfig), its cursors, TLB flushing and CPU memory access. Everything that
// changes a page table or a TLB goes through here, called by the Machine during a step.
import {
  CachePolicy,
  PF_ACCESSED,
  PF_DIRTY,
  PF_R,
  PF_W,
  PF_X,
  PRIV_USER,
  PTE_USER,
  cacheText,
  decodeProp,
  encodeLeaf,
  PTE_ADDR_LO,
  PTEH_ADDR,
  flagsText,
  pteIsLast,
  pteIsPresent,
  ptePaddr,
  type PageProperty,
} from './arch';
import { configuredCpu, hex, paddrText, rangeEnd, type Core } from './core';
import { fail } from './errors';
import {
  claimSlot,
  RC_BAND,
  RC_UNIQUE,
  RC_UNUSED,
  Storage,
  Usage,
  Vtable,
  W_OBLIG,
  W_PATHS,
  W_PT_NR_CHILDREN,
  W_STORAGE,
  W_USAGE,
  W_VTABLE,
  readRc,
  rcText,
  writeRc,
} from './frame/meta';
import { cpuBytesRead } from './dma';
import { coveredBy, releaseRef, requires } from './frame/ops';
import { bind, chooseName, describeHandle, lookup, requireUnborrowed, retire } from './handles';
import type { RangeRef } from './ops';
import {
  allocNode,
  childOrCreate,
  entryPages,
  freeNode,
  indexAt,
  pageSizeText,
  pteHi,
  pteLo,
  setPte,
  walk,
} from './page_table/node';
import { FAULT_KERNEL_PAGE, FAULT_NOT_PRESENT, FAULT_READ_ONLY } from './mmu';
import { guardLevelOf, leavesUnder, nextEntry, nodeSpan } from './page_table/cursor';
import type { CursorHandle, VmSpaceHandle } from './state';
import {
  TE_DIRTY,
  TE_EXEC,
  TE_GLOBAL,
  TE_USER,
  TE_WRITABLE,
  pushFlushOp,
  type TlbFlushOp,
} from './tlb';

const PAGE = 4096;
/** MAX_USERSPACE_VADDR in pages: VmSpace cursors stay below it (the top user page is excluded). */
const USER_END_VPN = 2 ** 35 - 1;
const MAX_IO = 1 << 20;

function vaText(vpn: number): string {
  return hex(BigInt(vpn) * 4096n);
}

/** A 64-bit VA → page number and offset (exact above 2^53). */
export { vaText };

export function splitVa(va: bigint): [number, number] {
  return [Number(va >> 12n), Number(va & 0xfffn)];
}

/** What a flusher holds until its ops are dispatched. */
export interface TlbFlusher {
  ops: TlbFlushOp[];
  frames: number[];
  strays: { node: number; level: number; vpn: number }[];
}

function newFlusher(): TlbFlusher {
  return { ops: [], frames: [], strays: [] };
}

// ---- properties ---------------------------------------------------------------------------------

export function parseProp(
  core: Core,
  letters: string | undefined,
  cache: string | undefined,
): PageProperty {
  const l = letters ?? 'rw';
  let flags = 0;
  if (l.includes('r')) flags |= PF_R;
  if (l.includes('w')) flags |= PF_W;
  if (l.includes('x')) flags |= PF_X;
  requires(
    core,
    (flags & PF_R) !== 0,
    'new_page_req.readable',
    `page property \`${l}\` lacks r: every mapped page must be readable (PageProperty R)`,
  );
  const c =
    cache === 'uc'
      ? CachePolicy.Uncacheable
      : cache === 'wt'
        ? CachePolicy.Writethrough
        : CachePolicy.Writeback;
  return { flags, cache: c, priv: PRIV_USER };
}

function propText(lo: number, hi: number): string {
  const p = decodeProp(lo, hi);
  return `${flagsText(p.flags)} ${cacheText(p.cache)}${p.flags & PF_ACCESSED ? ' A' : ''}${p.flags & PF_DIRTY ? ' D' : ''}`;
}

// ---- VmSpace ---------------------------------------------------------------------------------------

export function newVmSpace(core: Core, as?: string): string {
  const name = chooseName(core, 'vmspace', as);
  const root = allocNode(core, 4);
  const kroot = core.layout.kernelRoot;
  // Share the kernel half: copy top-level entries 256..511 (borrowed, never owned).
  for (let i = core.consts.kernelTopRange[0]; i < core.consts.kernelTopRange[1]; i++)
    setPte(core, root, i, pteLo(core.mem, kroot, i), pteHi(core.mem, kroot, i));
  return describeHandle(bind(core, { kind: 'vmspace', name, root, site: core.site }));
}

function activeRoot(core: Core, cpu: number): number {
  const roots = (core.roots ??= core.ghost.active.map((a) =>
    a ? (core.ghost.handles.get(a) as VmSpaceHandle).root : core.layout.kernelRoot,
  ));
  return roots[cpu]!;
}

export function activate(core: Core, name: string): string {
  const vs = lookup(core, name, ['vmspace']);
  const cpu = core.ghost.cpu;
  core.ghost.active[cpu] = vs.name;
  core.roots = undefined;
  const n = core.tlb.flush(cpu, { kind: 'all' });
  return `${name} is active on cpu ${cpu} (CR3 = ${paddrText(vs.root)}; ${n} non-global TLB entr${n === 1 ? 'y' : 'ies'} flushed)`;
}

export function deactivate(core: Core): string {
  const cpu = core.ghost.cpu;
  const was = core.ghost.active[cpu];
  core.ghost.active[cpu] = null;
  core.roots = undefined;
  const n = core.tlb.flush(cpu, { kind: 'all' });
  return `cpu ${cpu} is back on the kernel page table${was ? ` (was ${was})` : ''}; ${n} TLB entr${n === 1 ? 'y' : 'ies'} flushed`;
}

export function dropVmSpace(core: Core, vs: VmSpaceHandle): string {
  // op_pre[DropVmSpace] (no cursor, no VmIo borrows the space) holds before the drop runs; the
  // CPUs' hold on an active space is found when it does (InUse, even under `unsafe`).
  const users = [...core.ghost.handles.values()]
    .filter((h) => h.kind === 'cursor' && h.vs === vs.name)
    .map((h) => h.name);
  requires(
    core,
    users.length === 0,
    'DropVmSpace.no_cursor',
    `${vs.name} is still used by ${users.join(', ')}: drop them first`,
  );
  // A user VmReader/VmWriter borrows its space (VmReader<'_>), as op_pre[DropVmSpace] says.
  const ios = [...core.ghost.handles.values()]
    .filter((h) => (h.kind === 'reader' || h.kind === 'writer') && h.vs === vs.name)
    .map((h) => h.name);
  requires(
    core,
    ios.length === 0,
    'DropVmSpace.no_vmio',
    `${vs.name} is still borrowed by ${ios.join(', ')}: drop them first`,
  );
  const cpus = core.ghost.active.flatMap((a, i) => (a === vs.name ? [i] : []));
  if (cpus.length)
    fail(
      'InUse',
      `${vs.name} is active on cpu ${cpus.join(', ')}: \`deactivate\` there first (an active space is held by its CPU)`,
    );
  retire(core, vs, 'dropped');
  const leaves: { vpn: number; pfn: number; level: number }[] = [];
  const nodes: number[] = [];
  for (let i = core.consts.userTopRange[0]; i < core.consts.userTopRange[1]; i++) {
    const lo = pteLo(core.mem, vs.root, i);
    if (!pteIsPresent(lo)) continue;
    const pa = ptePaddr(lo, pteHi(core.mem, vs.root, i)) / PAGE;
    // A leaf in the root (only raw PTE writes make one) is a mapping (Child::Frame), not a node
    // to walk and free.
    if (pteIsLast(lo)) leaves.push({ vpn: i * entryPages(4), pfn: pa, level: 4 });
    else leavesUnder(core.mem, pa, 3, i * entryPages(4), leaves, nodes);
  }
  for (const l of leaves) unmapRef(core, l.pfn);
  for (const n of nodes) freeNode(core, n);
  for (let i = 0; i < 512; i++) setPte(core, vs.root, i, 0, 0);
  freeNode(core, vs.root);
  return `dropped ${vs.name} (${leaves.length} mapping${leaves.length === 1 ? '' : 's'} released, ${nodes.length + 1} page-table node${nodes.length ? 's' : ''} freed)`;
}

/**
 * A page-table reference to a data frame goes away. Strict mode requires what the tree's
 * invariant promises of a leaf (its frame in use, with a shared refcount): only a tree already
 * corrupted under `unsafe` breaks it, and releasing such a leaf would wrap the refcount.
 */
function unmapRef(core: Core, pfn: number): void {
  const rc = readRc(core.mem, pfn);
  // rc ≤ 0: UNUSED, UNIQUE or the overflow band (negative here). The text only when refusing.
  if (rc <= 0)
    requires(
      core,
      false,
      'EntryOwner::metaregion_sound.in_use',
      `a leaf maps frame ${paddrText(pfn)}, whose refcount is ${rcText(rc)}: releasing that mapping would wrap it (the tree is already corrupt; \`unsafe\` runs it anyway)`,
    );
  const p = core.mem.slotWord(pfn, W_PATHS);
  if (p > 0) core.mem.setSlotWord(pfn, W_PATHS, p - 1);
  releaseRef(core, pfn);
}

// ---- cursors -----------------------------------------------------------------------------------

function cursorRange(range: RangeRef): [number, number] {
  if ('name' in range.start) fail('InvalidArgs', 'a virtual range starts with a number');
  const s = range.start.num;
  const e = rangeEnd(s, range);
  // In Cursor::new's order: the range's validity (InvalidVaddrRange), then its alignment.
  if (s >= e)
    fail('AccessDenied', `virtual range ${hex(s)}..${hex(e)} is empty (InvalidVaddrRange)`);
  if (e > BigInt(USER_END_VPN) * 4096n)
    fail(
      'AccessDenied',
      `virtual range ${hex(s)}..${hex(e)} leaves user space (InvalidVaddrRange)`,
    );
  if (s % 4096n !== 0n || e % 4096n !== 0n)
    fail('AccessDenied', `virtual range ${hex(s)}..${hex(e)} is not page-aligned (UnalignedVaddr)`);
  return [Number(s / 4096n), Number(e / 4096n)];
}

/** Creates a cursor (locking its subtree, creating missing nodes down to the guard). */
export function openCursor(
  core: Core,
  vsName: string,
  range: RangeRef,
  mut: boolean,
  name: string,
): CursorHandle {
  const vs = lookup(core, vsName, ['vmspace']);
  const [start, end] = cursorRange(range);
  const guardLevel = guardLevelOf(start, end);
  const [lockStart, lockEnd] = nodeSpan(start, guardLevel);
  for (const h of core.ghost.handles.values())
    if (h.kind === 'cursor' && h.vs === vs.name && h.lockStart < lockEnd && lockStart < h.lockEnd)
      fail(
        'WouldBlock',
        `${h.name} already locks ${vaText(h.lockStart)}..${vaText(h.lockEnd)} of ${vs.name}, which overlaps this cursor's subtree`,
      );
  let node = vs.root;
  for (let level = 4; level > guardLevel; level--)
    node = childOrCreate(core, node, level, indexAt(start, level));
  return {
    kind: 'cursor',
    name,
    vs: vs.name,
    mut,
    start,
    end,
    va: start,
    guardLevel,
    lockStart,
    lockEnd,
    site: core.site,
  };
}

export function cursor(
  core: Core,
  vsName: string,
  range: RangeRef,
  mut: boolean,
  as?: string,
): string {
  lookup(core, vsName, ['vmspace']); // the space's name before the cursor's
  const name = chooseName(core, 'cursor', as);
  return describeHandle(bind(core, openCursor(core, vsName, range, mut, name)));
}

function mutCursor(core: Core, name: string): CursorHandle {
  const c = lookup(core, name, ['cursor']);
  if (!c.mut)
    fail('WrongKind', `${name} is a read-only Cursor; this needs a CursorMut (\`cursor_mut\`)`);
  return c;
}

function spaceOf(core: Core, c: CursorHandle): VmSpaceHandle {
  return lookup(core, c.vs, ['vmspace']);
}

function setVa(core: Core, c: CursorHandle, va: number): void {
  c.va = va;
  core.ghost.handles.set(c.name, c);
}

/** Panics of find_next/take_next/protect_next/unmap: len aligned, va + len within the barrier. */
function lenPages(c: CursorHandle, len: bigint, what: string): number {
  if (len % 4096n !== 0n)
    fail(
      'Panic',
      `${what}: length ${hex(len)} is not page-aligned`,
      `${what} panic: len % PAGE_SIZE != 0`,
    );
  const pages = len / 4096n;
  if (BigInt(c.va) + pages > BigInt(c.end))
    fail(
      'Panic',
      `${what}: ${vaText(c.va)} + ${hex(len)} goes past the cursor's end ${vaText(c.end)}`,
      `${what} panic: va + len > barrier end`,
    );
  return Number(pages);
}

export function dropCursor(core: Core, c: CursorHandle): string {
  retire(core, c, 'dropped');
  return `dropped ${c.name} (unlocked ${vaText(c.lockStart)}..${vaText(c.lockEnd)})`;
}

export function va(core: Core, name: string): string {
  return vaText(lookup(core, name, ['cursor']).va);
}

export function jump(core: Core, name: string, vaB: bigint): string {
  const c = lookup(core, name, ['cursor']);
  if (vaB % 4096n !== 0n)
    fail('Panic', `jump target ${hex(vaB)} is not page-aligned`, 'jump panic: unaligned va');
  const [vpn] = splitVa(vaB);
  if (vpn < c.start || vpn >= c.end)
    fail(
      'AccessDenied',
      `${hex(vaB)} is outside ${name}'s range ${vaText(c.start)}..${vaText(c.end)}`,
    );
  setVa(core, c, vpn);
  return vaText(vpn);
}

/** A leaf's whole mapping: `pages` 4 KiB pages from `vpn` (a huge leaf's VA range is its own). */
function leafText(vpn: number, pages: number, lo: number, hi: number): string {
  return `${vaText(vpn)}..${vaText(vpn + pages)} → ${paddrText(ptePaddr(lo, hi) / PAGE)} ${propText(lo, hi)}`;
}

/**
 * A huge leaf (only raw PTE writes make one in a user space) reaching past the end of what an
 * operation covers would have to be split first (split_while_huge), which is not simulated.
 */
function requireWholeLeaf(vpn: number, level: number, end: number, what: string): void {
  if (vpn + entryPages(level) > end)
    fail(
      'Panic',
      `${what}: the level-${level} leaf at ${vaText(vpn)} reaches past ${vaText(end)} and would have to be split`,
      'huge leaf on path',
    );
}

export function query(core: Core, name: string, as?: string): string {
  const c = lookup(core, name, ['cursor']);
  // A live `as` name is refused even when nothing present would be bound.
  if (as !== undefined) chooseName(core, 'frame', as);
  if (c.va >= c.end)
    fail('AccessDenied', `${name} is at ${vaText(c.va)}, at or past its end ${vaText(c.end)}`);
  const w = walk(core.mem, spaceOf(core, c).root, c.va);
  if (!w.ok) return `${vaText(c.va)}: nothing mapped`;
  const pfn = ptePaddr(w.lo, w.hi) / PAGE;
  const rc = readRc(core.mem, pfn);
  if (rc === RC_UNUSED || rc === RC_UNIQUE || rc === RC_BAND)
    fail(
      'Panic',
      `refcount of ${paddrText(pfn)} is ${rcText(rc)}: cloning the mapped item overflows`,
      'query_panic_condition',
    );
  // The mapping's own VA range (ostd-model §3.5 query), which for a huge leaf starts below va.
  const lp = entryPages(w.level);
  const text = leafText(c.va - (c.va % lp), lp, w.lo, w.hi);
  if (as === undefined) return text; // the clone is dropped at once: no net change
  const fname = chooseName(core, 'frame', as);
  writeRc(core.mem, pfn, rc + 1);
  core.mem.setSlotWord(pfn, W_OBLIG, core.mem.slotWord(pfn, W_OBLIG) + 1);
  bind(core, { kind: 'frame', name: fname, pfn, site: core.site });
  return `${text}; ${fname} = UFrame ${paddrText(pfn)} (a clone)`;
}

export function findNext(core: Core, name: string, len: bigint): string {
  const c = lookup(core, name, ['cursor']);
  const pages = lenPages(c, len, 'find_next');
  const f = nextEntry(core.mem, spaceOf(core, c).root, c.va, c.va + pages, c.guardLevel, false);
  if (f) {
    setVa(core, c, f.vpn);
    return vaText(f.vpn);
  }
  setVa(core, c, c.va + pages);
  return `none (cursor at ${vaText(c.va)})`;
}

/** Map `pfn` at the cursor (a level-1 leaf); returns the replaced frame, if any. */
/** The level-1 node a bulk map last used, so consecutive pages do not walk from the root (as OSTD's cursor keeps its path). */
interface PathCache {
  l1Base: number;
  node: number;
  /** The leaf PTE words for frame 0 with this map's property (the address bits are ORed in). */
  leaf?: [number, number];
}

function mapLeaf(
  core: Core,
  c: CursorHandle,
  vs: VmSpaceHandle,
  pfn: number,
  prop: PageProperty,
  cache?: PathCache,
): number {
  if (c.va >= c.end)
    fail(
      'Panic',
      `map: ${c.name} is at ${vaText(c.va)}, at or past its end`,
      'map_panic_conditions: va >= barrier end',
    );
  const l1Base = c.va - (c.va % 512);
  let node: number;
  if (cache && cache.l1Base === l1Base) node = cache.node;
  else {
    node = vs.root;
    for (let level = 4; level > 1; level--)
      node = childOrCreate(core, node, level, indexAt(c.va, level));
    if (cache) {
      cache.l1Base = l1Base;
      cache.node = node;
    }
  }
  const idx = indexAt(c.va, 1);
  const oldLo = pteLo(core.mem, node, idx);
  // vostd's is_present (PRESENT ∨ HUGE): a leaf without R written under `unsafe` is still a
  // Frame child, so map replaces it (Err(Mapped)) and its reference is flushed and released.
  const old = pteIsPresent(oldLo) ? ptePaddr(oldLo, pteHi(core.mem, node, idx)) / PAGE : -1;
  let lo: number;
  let hi: number;
  if (cache) {
    // A bulk map encodes the property once: the same words as encodeLeaf, without a tuple a page.
    const base = (cache.leaf ??= encodeLeaf(0, prop));
    lo = (base[0] | ((pfn * PAGE) & PTE_ADDR_LO)) >>> 0;
    hi = (base[1] | (Math.floor(pfn / 2 ** 20) & PTEH_ADDR)) >>> 0;
  } else [lo, hi] = encodeLeaf(pfn * PAGE, prop);
  setPte(core, node, idx, lo, hi);
  core.mem.setSlotWord(pfn, W_PATHS, core.mem.slotWord(pfn, W_PATHS) + 1);
  // A bulk map (cache given) reports one summary effect instead of one per page.
  if (!cache)
    core.effects.push({
      kind: 'pte',
      pfn,
      space: vs.name,
      vpn: c.va,
      pages: 1,
      text: `PTE ${vs.name}@${vaText(c.va)} → ${paddrText(pfn)} ${propText(lo, hi)}`,
    });
  return old;
}

function mapRequires(core: Core, pfn: number): void {
  const covers = coveredBy(core, pfn);
  requires(
    core,
    covers.length === 0,
    'Segment::relate_regions.unmapped',
    `frame ${paddrText(pfn)} belongs to ${covers.join(', ')}: a segment's or DMA buffer's frames may not be mapped by a page table`,
  );
  const rc = readRc(core.mem, pfn);
  const u = core.mem.slotWord(pfn, W_USAGE);
  requires(
    core,
    u !== Usage.PageTable,
    'item_slot_in_regions.not_page_table',
    `frame ${paddrText(pfn)} is a page-table node; it cannot be mapped as data`,
  );
  requires(
    core,
    rc !== RC_UNUSED,
    'item_slot_in_regions.in_use',
    `frame ${paddrText(pfn)} is free (UNUSED): mapping it would be a use after free`,
  );
  requires(
    core,
    rc > 0, // not UNUSED, UNIQUE or the overflow band (all negative here)
    'item_slot_in_regions.refcount',
    `frame ${paddrText(pfn)} has refcount ${rcText(rc)}; a mapped item needs 0 < refcount ≤ REF_COUNT_MAX`,
  );
}

export function map(
  core: Core,
  cname: string,
  hname: string,
  prop?: string,
  cache?: string,
): string {
  const c = mutCursor(core, cname);
  const vs = spaceOf(core, c);
  const f = lookup(core, hname, ['frame']);
  requireUnborrowed(core, f);
  // The preconditions (the property's, the item's) hold before the body runs; its panics after.
  const pp = parseProp(core, prop, cache);
  mapRequires(core, f.pfn);
  if (c.va + 1 > c.end)
    fail(
      'Panic',
      `map: ${cname} is at ${vaText(c.va)}, at or past its end ${vaText(c.end)}`,
      'map_panic_conditions: va + page size > barrier end',
    );
  const at = c.va;
  const old = mapLeaf(core, c, vs, f.pfn, pp);
  retire(core, f, `moved into ${vs.name}'s page table at ${vaText(at)}`);
  const n = core.mem.slotWord(f.pfn, W_OBLIG);
  if (n > 0) core.mem.setSlotWord(f.pfn, W_OBLIG, n - 1);
  setVa(core, c, at + 1);
  let text = `mapped ${vaText(at)} → ${paddrText(f.pfn)} (${flagsText(pp.flags)})`;
  if (old >= 0) {
    const fl = newFlusher();
    pushFlushOp(fl.ops, { kind: 'address', vpn: at });
    fl.frames.push(old);
    text += `; replaced ${paddrText(old)}, ${dispatch(core, vs, fl)}`;
  }
  return text;
}

/** Sends the flusher's ops to every CPU where `vs` is active, then lets go of what it kept. */
export function dispatch(core: Core, vs: VmSpaceHandle, fl: TlbFlusher): string {
  const cpus = core.ghost.active.flatMap((a, i) => (a === vs.name ? [i] : []));
  let n = 0;
  for (const cpu of cpus) for (const op of fl.ops) n += core.tlb.flush(cpu, op);
  for (const pfn of fl.frames) unmapRef(core, pfn);
  for (const s of fl.strays) releaseStray(core, s.node, s.level, s.vpn);
  const opsText = fl.ops.map((o) =>
    o.kind === 'all'
      ? 'All'
      : o.kind === 'address'
        ? `Address(${vaText(o.vpn)})`
        : `Range(${vaText(o.vpn)}..${vaText(o.vpn + o.pages)})`,
  );
  const shown =
    opsText.length > 4
      ? `${opsText.slice(0, 3).join(', ')} … (${opsText.length} ops)`
      : opsText.join(', ');
  return `flushed ${shown || 'nothing'} on ${cpus.length ? 'cpu ' + cpus.join(',') : 'no cpu'} (${n} TLB entr${n === 1 ? 'y' : 'ies'})`;
}

function releaseStray(core: Core, node: number, level: number, vpn: number): void {
  const leaves: { vpn: number; pfn: number; level: number }[] = [];
  const nodes: number[] = [];
  leavesUnder(core.mem, node, level, vpn, leaves, nodes);
  for (const l of leaves) unmapRef(core, l.pfn);
  for (const n of nodes) freeNode(core, n);
}

/** OSTD's take_next: clear the next entry starting in [va, va+pages); stray nodes come whole. */
function takeNext(
  core: Core,
  c: CursorHandle,
  vs: VmSpaceHandle,
  pages: number,
  fl: TlbFlusher | null,
): { vpn: number; pfn: number; count: number } | null {
  const f = nextEntry(core.mem, vs.root, c.va, c.va + pages, c.guardLevel, fl !== null);
  if (!f) return null;
  setPte(core, f.node, f.idx, 0, 0);
  if (f.kind === 'leaf') {
    requireWholeLeaf(f.vpn, f.level, c.va + pages, 'take_next');
    const pfn = ptePaddr(f.lo, f.hi) / PAGE;
    core.effects.push({
      kind: 'pte',
      pfn,
      space: vs.name,
      vpn: f.vpn,
      pages: entryPages(f.level),
      text: `PTE ${vs.name}@${vaText(f.vpn)} cleared (was → ${paddrText(pfn)})`,
    });
    if (fl) {
      pushFlushOp(fl.ops, { kind: 'address', vpn: f.vpn });
      fl.frames.push(pfn);
    }
    setVa(core, c, f.vpn + entryPages(f.level));
    return { vpn: f.vpn, pfn, count: 1 };
  }
  const leaves: { vpn: number; pfn: number; level: number }[] = [];
  leavesUnder(core.mem, f.child, f.level, f.vpn, leaves, []);
  core.effects.push({
    kind: 'pte',
    pfn: f.child,
    space: vs.name,
    vpn: f.vpn,
    pages: f.pages,
    text: `PTE ${vs.name}@${vaText(f.vpn)} cleared: level-${f.level} node ${paddrText(f.child)} is stray (${leaves.length} mappings)`,
  });
  pushFlushOp(fl!.ops, { kind: 'range', vpn: f.vpn, pages: f.pages });
  fl!.strays.push({ node: f.child, level: f.level, vpn: f.vpn });
  setVa(core, c, f.vpn + f.pages);
  return { vpn: f.vpn, pfn: f.child, count: leaves.length };
}

export function unmap(core: Core, cname: string, len: bigint): string {
  const c = mutCursor(core, cname);
  const vs = spaceOf(core, c);
  const pages = lenPages(c, len, 'unmap');
  const end = c.va + pages;
  const fl = newFlusher();
  let count = 0;
  for (;;) {
    const t = takeNext(core, c, vs, end - c.va, fl);
    if (!t) break;
    count += t.count;
  }
  setVa(core, c, end);
  return `unmapped ${count} page${count === 1 ? '' : 's'}; ${dispatch(core, vs, fl)}`;
}

export function takeNextCmd(core: Core, cname: string, len: bigint, as?: string): string {
  const c = mutCursor(core, cname);
  const vs = spaceOf(core, c);
  if (as !== undefined) chooseName(core, 'frame', as); // even when nothing is taken
  const pages = lenPages(c, len, 'take_next');
  const t = takeNext(core, c, vs, pages, null);
  if (!t) {
    setVa(core, c, c.va + pages);
    return 'none';
  }
  const name = chooseName(core, 'frame', as);
  // The PTE's reference becomes the handle's; no flush is issued.
  const p = core.mem.slotWord(t.pfn, W_PATHS);
  if (p > 0) core.mem.setSlotWord(t.pfn, W_PATHS, p - 1);
  core.mem.setSlotWord(t.pfn, W_OBLIG, core.mem.slotWord(t.pfn, W_OBLIG) + 1);
  bind(core, { kind: 'frame', name, pfn: t.pfn, site: core.site });
  return `took ${vaText(t.vpn)} → ${name} = UFrame ${paddrText(t.pfn)} (no TLB flush issued)`;
}

export function protectNext(core: Core, cname: string, len: bigint, prop: string): string {
  const c = mutCursor(core, cname);
  const vs = spaceOf(core, c);
  // The requirement on `op` (it keeps R: new_page_req) is a precondition: it holds or not before
  // the body runs, whatever the body would find, and before its panics.
  const np = parseProp(core, prop, undefined);
  const pages = lenPages(c, len, 'protect_next');
  const f = nextEntry(core.mem, vs.root, c.va, c.va + pages, c.guardLevel, false);
  if (!f || f.kind !== 'leaf') {
    setVa(core, c, c.va + pages);
    return 'none';
  }
  requireWholeLeaf(f.vpn, f.level, c.va + pages, 'protect_next');
  // The cursor moves past the whole leaf it protected (a huge one is more than one page).
  const lp = entryPages(f.level);
  const old = decodeProp(f.lo, f.hi);
  np.cache = old.cache;
  np.flags |= old.flags & (PF_ACCESSED | PF_DIRTY);
  np.priv = old.priv;
  const [lo, hi] = encodeLeaf(ptePaddr(f.lo, f.hi), np);
  setPte(core, f.node, f.idx, lo, hi);
  core.effects.push({
    kind: 'pte',
    space: vs.name,
    vpn: f.vpn,
    pages: lp,
    text: `PTE ${vs.name}@${vaText(f.vpn)} now ${propText(lo, hi)} (no flush)`,
  });
  setVa(core, c, f.vpn + lp);
  return `protected ${vaText(f.vpn)}..${vaText(f.vpn + lp)} → ${flagsText(np.flags)} (no TLB flush: \`flush ${cname}\` sends one)`;
}

export function flush(core: Core, cname: string): string {
  const c = mutCursor(core, cname);
  const vs = spaceOf(core, c);
  const fl = newFlusher();
  pushFlushOp(fl.ops, { kind: 'range', vpn: c.start, pages: c.end - c.start });
  return dispatch(core, vs, fl);
}

// ---- the short forms: a cursor_mut over the range, the work, then drop it ------------------------

function temp<T>(core: Core, vs: string, range: RangeRef, f: (name: string) => T): T {
  const name = chooseName(core, 'cursor', undefined);
  bind(core, openCursor(core, vs, range, true, name));
  try {
    return f(name);
  } finally {
    core.ghost.handles.delete(name);
    core.ghost.gone.delete(name);
    let k = 0;
    for (const e of core.effects) if (e.name !== name) core.effects[k++] = e;
    core.effects.length = k;
    core.ghost.nameHint['c'] = (core.ghost.nameHint['c'] ?? 2) - 1;
  }
}

export function mapAt(
  core: Core,
  vs: string,
  vaB: bigint,
  h: string,
  prop?: string,
  cache?: string,
): string {
  // The named space and frame first: a typo is UnknownHandle even where a live cursor would
  // make opening this one WouldBlock.
  lookup(core, vs, ['vmspace']);
  requireUnborrowed(core, lookup(core, h, ['frame']));
  return temp(core, vs, { start: { num: vaB }, len: 4096n }, (name) =>
    map(core, name, h, prop, cache),
  );
}

export function unmapRange(core: Core, vs: string, range: RangeRef): string {
  return temp(core, vs, range, (name) => {
    const c = lookup(core, name, ['cursor']);
    return unmap(core, name, BigInt(c.end - c.start) * 4096n);
  });
}

export function protect(core: Core, vs: string, range: RangeRef, prop: string): string {
  return temp(core, vs, range, (name) => {
    const c = lookup(core, name, ['cursor']);
    let n = 0;
    while (c.va < c.end) {
      const r = protectNext(core, name, BigInt(c.end - c.va) * 4096n, prop);
      if (r === 'none') break;
      n++;
    }
    return `protected ${n} page${n === 1 ? '' : 's'}; ${flush(core, name)}`;
  });
}

export function mmap(core: Core, vsName: string, range: RangeRef, prop?: string): string {
  return temp(core, vsName, range, (name) => {
    const c = lookup(core, name, ['cursor']);
    const vs = spaceOf(core, c);
    const pp = parseProp(core, prop, undefined);
    let n = 0;
    const replaced: number[] = [];
    let lastFlush = '';
    const path: PathCache = { l1Base: -1, node: -1 };
    while (c.va < c.end) {
      const pfn = core.allocator.find(1);
      if (pfn < 0) fail('NoMemory', `no free frame is left (after mapping ${n} pages)`);
      writeRc(core.mem, pfn, 1);
      core.mem.setSlotWord(pfn, W_USAGE, Usage.Frame);
      core.mem.setSlotWord(pfn, W_STORAGE, Storage.Untyped);
      core.mem.setSlotWord(pfn, W_VTABLE, Vtable.Untyped);
      claimSlot(core.mem, pfn);
      core.mem.zeroFrame(pfn); // fresh anonymous memory reads as zeros, as OSTD's default alloc
      const old = mapLeaf(core, c, vs, pfn, pp, path);
      if (old >= 0) {
        // Each page is a VmSpace `map`, which dispatches the replaced page's Address flush at
        // once: batched into one flusher, over 32 replaced pages would collapse to All, which
        // spares global entries (and flushes more than OSTD does). The replaced frames are
        // released after the loop, so mmap's fresh frames are never ones it just replaced.
        const fl = newFlusher();
        pushFlushOp(fl.ops, { kind: 'address', vpn: c.va });
        lastFlush = dispatch(core, vs, fl);
        replaced.push(old);
      }
      c.va++;
      n++;
    }
    core.effects.push({
      kind: 'pte',
      space: vs.name,
      vpn: c.start,
      pages: n,
      text: `${n} PTEs of ${vs.name} written at ${vaText(c.start)}..${vaText(c.end)}`,
    });
    for (const pfn of replaced) unmapRef(core, pfn);
    const flushed =
      replaced.length === 0
        ? ''
        : replaced.length === 1
          ? `; ${lastFlush}`
          : `; replaced ${replaced.length} pages, each flushed by Address at once`;
    return `mapped ${n} new frame${n === 1 ? '' : 's'} at ${vaText(c.start)}..${vaText(c.end)}${flushed}`;
  });
}

// ---- CPU access ------------------------------------------------------------------------------------

interface Access {
  pfn: number;
  text: string;
}

/** The MMU for a user-mode access by `cpu` to page `vpn` (Mmu.translate with the CPU's CR3). */
export function translateUser(core: Core, cpu: number, vpn: number, write: boolean): number {
  return core.mmu.translate(cpu, activeRoot(core, cpu), vpn, write);
}

/**
 * Whether a page number's address is canonical: bits 63..48 copy bit 47 (ADDRESS_WIDTH 48 with
 * sign extension). Any other address is in neither half; the CPU refuses it before any walk.
 */
export function canonicalVpn(vpn: number): boolean {
  const top = Math.floor(vpn / 2 ** 35);
  return top === 0 || top === 0x1ffff;
}

/**
 * One user-mode access by the current CPU to byte `va` (in page `vpn`), as a command reports it;
 * PageFault on failure.
 */
export function access(core: Core, vpn: number, write: boolean, va: bigint | number): Access {
  // The fault texts are built only for a fault: this runs for every page a command touches.
  const what = (): string => `${write ? 'write to' : 'read of'} ${hex(va)}`;
  if (!canonicalVpn(vpn))
    fail(
      'PageFault',
      `${what()}: a non-canonical address (bits 63..48 must repeat bit 47; the CPU raises #GP, nothing is walked)`,
    );
  const pfn = translateUser(core, core.ghost.cpu, vpn, write);
  const mmu = core.mmu;
  const steps = (): string => {
    const out: string[] = [];
    for (let l = 4; l >= mmu.level; l--) out.push(`L${l}[${indexAt(vpn, l)}]`);
    return out.join('→');
  };
  if (pfn < 0) {
    const why =
      mmu.fault === FAULT_NOT_PRESENT
        ? `not present (walk ${steps()} stopped at level ${mmu.level})`
        : mmu.fault === FAULT_KERNEL_PAGE
          ? 'a kernel page (no USER bit)'
          : mmu.fault === FAULT_READ_ONLY
            ? 'the page is read-only'
            : 'the TLB entry does not allow it';
    fail('PageFault', `${what()}: ${why}`);
  }
  if (mmu.hit) return { pfn, text: `tlb hit ${vaText(vpn)} → ${paddrText(pfn)}` };
  return { pfn, text: `tlb miss ${vaText(vpn)}, walk ${steps()} → ${paddrText(pfn)} (filled)` };
}

function ioBounds(vaB: bigint, len: number): void {
  if (len > MAX_IO) fail('InvalidArgs', `at most ${MAX_IO} bytes at a time`);
  if (vaB + BigInt(len) > 2n ** 64n)
    fail('Overflow', `${hex(vaB)} + ${len} overflows the 64-bit address space`);
}

export function cpuRead(core: Core, vaB: bigint, lenB: bigint): string {
  if (lenB > BigInt(MAX_IO)) fail('InvalidArgs', `at most ${MAX_IO} bytes at a time`);
  const len = Number(lenB);
  ioBounds(vaB, len);
  const out = new Uint8Array(len);
  const notes: string[] = [];
  let done = 0;
  while (done < len) {
    const [vpn, off] = splitVa(vaB + BigInt(done));
    const a = access(core, vpn, false, vaB + BigInt(done));
    notes.push(a.text);
    const n = Math.min(len - done, PAGE - off);
    out.set(core.mem.readBytes(a.pfn * PAGE + off, n), done);
    cpuBytesRead(core, a.pfn * PAGE + off, n);
    done += n;
  }
  core.data = out;
  return `${notes.length ? notes.join('; ') + '; ' : ''}${len} byte${len === 1 ? '' : 's'}: ${bytesText(out)}`;
}

export function cpuWrite(core: Core, vaB: bigint, data: Uint8Array): string {
  ioBounds(vaB, data.length);
  const notes: string[] = [];
  let done = 0;
  while (done < data.length) {
    const [vpn, off] = splitVa(vaB + BigInt(done));
    const a = access(core, vpn, true, vaB + BigInt(done));
    notes.push(a.text);
    const n = Math.min(data.length - done, PAGE - off);
    core.mem.writeBytes(a.pfn * PAGE + off, data.subarray(done, done + n));
    done += n;
  }
  return `${notes.length ? notes.join('; ') + '; ' : ''}wrote ${data.length} byte${data.length === 1 ? '' : 's'}`;
}

export function bytesText(b: Uint8Array): string {
  const shown = b.subarray(0, 64);
  const printable = shown.every((x) => x >= 0x20 && x < 0x7f);
  const body = printable
    ? JSON.stringify(String.fromCharCode(...shown))
    : `x"${[...shown].map((x) => x.toString(16).padStart(2, '0')).join(' ')}"`;
  return body + (b.length > 64 ? ` … (${b.length} bytes)` : '');
}

export function translate(
  core: Core,
  vsName: string,
  vaB: bigint,
): { text: string; pa: bigint | null } {
  const vs = lookup(core, vsName, ['vmspace']);
  const [vpn, off] = splitVa(vaB);
  if (!canonicalVpn(vpn))
    return {
      text: `${hex(vaB)}: fault (a non-canonical address: bits 63..48 must repeat bit 47)`,
      pa: null,
    };
  const w = walk(core.mem, vs.root, vpn);
  const steps = w.indices.map((x, k) => `L${4 - k}[${x}]`).join('→');
  if (!w.ok)
    return {
      text: `${hex(vaB)}: fault (walk ${steps} found no entry at level ${w.level})`,
      pa: null,
    };
  const leafPages = entryPages(w.level);
  const pa = BigInt(ptePaddr(w.lo, w.hi)) + BigInt(vpn % leafPages) * 4096n + BigInt(off);
  return {
    text: `${hex(vaB)} → ${hex(pa)} (walk ${steps}; ${propText(w.lo, w.hi)}${w.lo & PTE_USER ? ' user' : ' kernel'}, ${pageSizeText(w.level)})`,
    pa,
  };
}

export function tlbShow(core: Core, cpu?: number): string {
  const cpus = cpu === undefined ? [...Array(core.config.cpus).keys()] : [cpu];
  const lines: string[] = [];
  for (const c of cpus) {
    const es = core.tlb.entriesOf(c);
    lines.push(
      `cpu ${c} (${core.ghost.active[c] ?? 'kernel page table'}): ${es.length}/${core.tlb.entries} entries`,
    );
    for (const e of es.sort((x, y) => x.vpn - y.vpn))
      lines.push(
        `  ${vaText(e.vpn)} → ${paddrText(e.pfn)} ${pageSizeText(e.level)} ${e.flags & TE_WRITABLE ? 'rw' : 'r-'}${e.flags & TE_EXEC ? 'x' : '-'}${e.flags & TE_USER ? ' user' : ''}${e.flags & TE_GLOBAL ? ' global' : ''}${e.flags & TE_DIRTY ? ' D' : ''} age ${e.age}`,
      );
  }
  return lines.join('\n');
}

export function tlbFlushCmd(core: Core, target: 'all' | RangeRef | bigint, cpuB?: bigint): string {
  let op: TlbFlushOp;
  if (target === 'all') op = { kind: 'all' };
  else if (typeof target === 'bigint') op = { kind: 'address', vpn: splitVa(target)[0] };
  else {
    if ('name' in target.start) fail('InvalidArgs', 'a virtual range starts with a number');
    const s = target.start.num;
    const e = rangeEnd(s, target);
    if (e <= s) fail('InvalidArgs', 'the range is empty');
    const first = splitVa(s)[0];
    op = { kind: 'range', vpn: first, pages: Number((e + 4095n) / 4096n) - first };
  }
  // The target is an argument of the line; a CPU the machine lacks is found after it.
  const cpu = cpuB === undefined ? core.ghost.cpu : configuredCpu(core.config, cpuB);
  const n = core.tlb.flush(cpu, op, target === 'all');
  return `cpu ${cpu}: ${n} TLB entr${n === 1 ? 'y' : 'ies'} flushed`;
}

export function showPt(core: Core, vsName: string, range?: RangeRef): string {
  const vs = lookup(core, vsName, ['vmspace']);
  let from = 0;
  let to = USER_END_VPN;
  if (range) {
    [from, to] = cursorRange(range);
  }
  const lines = [
    `${vs.name}: root ${paddrText(vs.root)} (L4; entries 256..511 borrowed from the kernel)`,
  ];
  const rec = (node: number, level: number, base: number, indent: string): void => {
    const ep = entryPages(level);
    for (let i = 0; i < 512; i++) {
      const cb = base + i * ep;
      if (cb + ep <= from || cb >= to) continue;
      if (level === 4 && i >= 256) break;
      const lo = pteLo(core.mem, node, i);
      if (!(lo & 1) && !(lo & 0x80)) continue;
      const hi = pteHi(core.mem, node, i);
      if (lo & 0x80 || level === 1) lines.push(`${indent}[${i}] ${leafText(cb, ep, lo, hi)}`);
      else {
        const child = ptePaddr(lo, hi) / PAGE;
        if (child >= core.layout.nframes) {
          lines.push(`${indent}[${i}] → ${paddrText(child)}: not a frame of this machine`);
          continue;
        }
        lines.push(
          `${indent}[${i}] L${level - 1} node ${paddrText(child)} (${vaText(cb)}.., ${core.mem.slotWord(child, W_PT_NR_CHILDREN)} entries)`,
        );
        if (lines.length < 2000) rec(child, level - 1, cb, indent + '  ');
      }
    }
  };
  rec(vs.root, 4, 0, '  ');
  return lines.join('\n');
}
