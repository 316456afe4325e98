// The handle table: binding names, resolving them, and retiring them with a note of where they
// went (so `UnknownHandle` can say "f1 was moved into the page table at line 7").
import { hex, paddrText, type Core } from './core';
import { fail } from './errors';
import type { AddrRef } from './ops';
import {
  KIND_PREFIX,
  KIND_TYPE,
  siteText,
  handleFirstPfn,
  handlePages,
  type Handle,
  type HandleKind,
} from './state';

/** LINEAR_MAPPING_BASE_VADDR: kernel readers/writers address physical memory through it. */
export const KERNEL_LINEAR_BASE = 0xffff_8000_0000_0000n;

export const NAME_RE = /^[a-z][a-z0-9_]*$/;

export function describeHandle(h: Handle): string {
  if (h.kind === 'vmspace') return `${h.name} = VmSpace (root ${paddrText(h.root)})`;
  if (h.kind === 'cursor')
    return `${h.name} = ${h.mut ? 'CursorMut' : 'Cursor'} on ${h.vs} ${hex(h.start * 4096)}..${hex(h.end * 4096)} at ${hex(h.va * 4096)}`;
  if (h.kind === 'segment')
    return `${h.name} = Segment ${paddrText(h.start)}..${paddrText(h.end)} (${h.end - h.start} frame${h.end - h.start === 1 ? '' : 's'})`;
  if (h.kind === 'reader' || h.kind === 'writer') {
    const at = (x: number): string => (h.vs ? hex(x) : hex(KERNEL_LINEAR_BASE + BigInt(x)));
    return `${h.name} = ${h.kind === 'reader' ? 'VmReader' : 'VmWriter'}<${h.fallible ? 'Fallible' : 'Infallible'}> over ${h.vs ?? `${h.target} (kernel)`} ${at(h.cursor)}..${at(h.end)}`;
  }
  if (h.kind === 'dma')
    return `${h.name} = ${h.stream ? `DmaStream(${h.dir})` : 'DmaCoherent'} ${paddrText(h.start)}..${paddrText(h.end)}, daddr ${hex(h.daddr)}, ${h.coherent ? 'coherent' : 'non-coherent'}`;
  if (h.kind === 'frame' || h.kind === 'unique')
    return `${h.name} = ${KIND_TYPE[h.kind]} ${paddrText(h.pfn)}`;
  return h.name;
}

/** The live handle `name`, of one of `kinds`; otherwise UnknownHandle / WrongKind. */
/** The handle types whose kind is one of K (IoHandle has two kinds, so Extract alone won't do). */
export type HandleOf<K extends HandleKind> = Handle extends infer H
  ? H extends Handle
    ? [Extract<H['kind'], K>] extends [never]
      ? never
      : H
    : never
  : never;

export function lookup<K extends HandleKind>(
  core: Core,
  name: string,
  kinds: readonly K[],
): HandleOf<K> {
  const h = core.ghost.handles.get(name);
  if (!h) {
    const g = core.ghost.gone.get(name);
    if (g)
      fail(
        'UnknownHandle',
        `\`${name}\` is no longer a live handle: it was ${g.how} at ${siteText(g.site)}`,
      );
    fail('UnknownHandle', `no handle named \`${name}\``);
  }
  if (!(kinds as readonly HandleKind[]).includes(h.kind))
    fail(
      'WrongKind',
      `\`${name}\` is a ${KIND_TYPE[h.kind]}; this needs a ${kinds.map((k) => KIND_TYPE[k]).join(' or ')}`,
    );
  return h as HandleOf<K>;
}

/** Checks that `name` may be bound, or picks the next free default name of the kind. */
export function chooseName(
  core: Core,
  kind: HandleKind,
  as: string | undefined,
  taken: string[] = [],
): string {
  if (as !== undefined) {
    if (!NAME_RE.test(as)) fail('Syntax', `\`${as}\` is not a valid handle name ([a-z][a-z0-9_]*)`);
    if (taken.includes(as)) fail('NameInUse', `\`${as}\` already names something in this command`);
    if (core.ghost.handles.has(as)) fail('NameInUse', `\`${as}\` already names a live handle`);
    // A cursor or reader/writer names its space (or what it borrows) by name: after that was
    // dropped under `unsafe`, a new handle of the same name would silently become theirs.
    for (const h of core.ghost.handles.values())
      if (
        (h.kind === 'cursor' && h.vs === as) ||
        ((h.kind === 'reader' || h.kind === 'writer') && (h.vs === as || h.target === as))
      )
        fail(
          'NameInUse',
          `\`${as}\` still names what ${h.name} was made over (dropped under \`unsafe\`); ${h.name} is live`,
        );
    return as;
  }
  const prefix = KIND_PREFIX[kind];
  let k = core.ghost.nameHint[prefix] ?? 1;
  for (;;) {
    const n = prefix + k;
    if (!core.ghost.handles.has(n) && !core.ghost.gone.has(n) && !taken.includes(n)) break;
    k++;
  }
  core.ghost.nameHint[prefix] = k + 1;
  return prefix + k;
}

export function bind(core: Core, h: Handle): Handle {
  core.ghost.gone.delete(h.name);
  core.ghost.handles.set(h.name, h);
  core.effects.push({
    kind: 'bind',
    name: h.name,
    pfn: handleFirstPfn(h),
    text: `bound ${describeHandle(h)}`,
  });
  return h;
}

/**
 * Kernel readers/writers borrow what they read: Rust lets no one move the owner or take `&mut`
 * of it (`Segment::next`) while they live.
 */
export function requireUnborrowed(core: Core, h: Handle): void {
  const borrowers = [...core.ghost.handles.values()]
    .filter((x) => (x.kind === 'reader' || x.kind === 'writer') && x.target === h.name)
    .map((x) => x.name);
  if (borrowers.length && !core.unsafe)
    fail(
      'Precondition',
      `${h.name} is borrowed by ${borrowers.join(', ')}: drop ${borrowers.length === 1 ? 'it' : 'them'} first`,
      'borrowed',
    );
}

/** The handle leaves the table; its name keeps naming its address. */
export function retire(core: Core, h: Handle, how: string): void {
  requireUnborrowed(core, h);
  core.ghost.handles.delete(h.name);
  core.ghost.gone.set(h.name, {
    kind: h.kind,
    pfn: handleFirstPfn(h),
    npages: handlePages(h),
    how,
    site: core.site,
  });
  core.effects.push({
    kind: 'unbind',
    name: h.name,
    pfn: handleFirstPfn(h),
    text: `${h.name} ${how}`,
  });
}

/** A physical address given as a number or a (live or gone) handle name, as a page number. */
export function resolvePaddr(core: Core, a: AddrRef): number {
  if ('name' in a) {
    const h = core.ghost.handles.get(a.name);
    const p = h ? handleFirstPfn(h) : core.ghost.gone.get(a.name)?.pfn;
    if (p !== undefined && p >= 0) return p;
    if (h || p !== undefined)
      fail(
        'WrongKind',
        `\`${a.name}\` does not name a physical address (only frame, segment, unique-frame and DMA names do)`,
      );
    fail('UnknownHandle', `no handle or address named \`${a.name}\``);
  }
  return checkPaddr(core, a.num);
}

export function checkPaddr(core: Core, pa: bigint): number {
  const ps = BigInt(core.consts.pageSize);
  if (pa < 0n) fail('InvalidArgs', `physical address ${pa} is negative`);
  if (pa % ps !== 0n)
    fail(
      'NotAligned',
      `physical address ${hex(pa)} is not aligned to ${core.consts.pageSize} bytes`,
    );
  if (pa >= BigInt(core.layout.nframes) * ps)
    fail(
      'OutOfBound',
      `physical address ${hex(pa)} is beyond this machine's memory (${hex(core.layout.nframes * core.consts.pageSize)})`,
    );
  return Number(pa / ps);
}
