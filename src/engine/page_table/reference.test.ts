// The page table against a reference model. Random programs of `map VS VA H`, `unmap VS RANGE`,
// `protect VS RANGE prop=…`, `mmap`, `alloc`, `clone`, `drop`, `write` and `read` run through the
// language on a 1-CPU machine with one active VmSpace. A plain Map<page, {frame, w, x}> is
// updated from each accepted command, and after every command EVERY translation the engine has is
// compared with it: the leaves found by walking the space's page table (exact equality, both
// ways) and the MMU walk (`expectTranslate`, with a page offset) at every page a program can touch.
// Also: which commands are accepted is predicted by the model, accepted strict commands leave no
// error-severity violation (and pt.pa_alias exactly when the model maps a frame twice), refcounts
// equal handles + mappings, errors leave the state hash unchanged, bytes read are the bytes
// written, and tearing everything down gives a clean machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// A test may drive the engine through the language, as its users do (the layering rule is for the
// engine's own code).
// eslint-disable-next-line no-restricted-imports
import { Session } from '../../lang';
import { PTE_HUGE, PTE_PRESENT, PTE_USER, PTE_WRITABLE, PTEH_NO_EXECUTE } from '../arch';
import { RC_UNUSED, Usage } from '../frame/meta';
import type { VmSpaceHandle } from '../state';

const PAGE = 4096;
const K = 1024;
const M = 1024 * K;
const G = 1024 * M;
/** MAX_USERSPACE_VADDR: VmSpace ranges stay below it (the top user page is excluded). */
const USER_END = 2 ** 47 - 4096;

/**
 * Start pages spread so that several L1 nodes (2 MiB), L2 nodes (1 GiB) and L3 nodes (512 GiB) get
 * created: both sides of a 2 MiB and of a 1 GiB boundary, and a second top-level entry.
 */
const STARTS: number[] = [
  0x0, 0x1fe000, 0x200000, 0x3fffe000, 0x40200000, 0x80_3fff_f000, 0x7fff_ff00_0000,
].map((va) => va / PAGE);

/** Every page a program can map: each start and the two pages after it (ranges are ≤ 3 pages). */
const PAGES: number[] = [...new Set(STARTS.flatMap((p) => [p, p + 1, p + 2]))].sort(
  (a, b) => a - b,
);

/** Big ranges for unmap/protect: whole nodes, so stray nodes are cut off and flushes become All. */
const BIG: [number, number][] = [
  [0, 2 * M],
  [0, G],
  [0, 2 * G],
  [G, 2 * M],
  [0x80_0000_0000, 2 * G],
  [0, 0x100_0000_0000],
];

const NAMES = ['a', 'b', 'c'];
const PROPS = ['r', 'rw', 'rx', 'rwx'];

const hex = (n: number): string => '0x' + n.toString(16);
const vaOf = (page: number): number => page * PAGE;

// ---- programs -----------------------------------------------------------------------------------

const name = fc.constantFrom(...NAMES);
const start = fc.constantFrom(...STARTS);
const prop = fc.constantFrom(...PROPS);
/** A small range of 1–3 pages from a start page, as START+LEN or START..END. */
const smallRange = fc
  .tuple(start, fc.integer({ min: 1, max: 3 }), fc.boolean())
  .map(([p, n, dots]) =>
    dots ? `${hex(vaOf(p))}..${hex(vaOf(p + n))}` : `${hex(vaOf(p))}+${n * 4}K`,
  );
const anyRange = fc.oneof(
  { weight: 4, arbitrary: smallRange },
  { weight: 1, arbitrary: fc.constantFrom(...BIG).map(([s0, l]) => `${hex(s0)}+${hex(l)}`) },
);
/** Offsets inside a page, including one that makes a 4-byte access cross into the next page. */
const offset = fc.constantFrom(0, 0x10, 0x7ff, 0xffe, 0xfff);
const bytes = fc.uint8Array({ minLength: 1, maxLength: 4 });

const mapAt = fc
  .tuple(start, fc.integer({ min: 0, max: 1 }), prop)
  .map(([p, k, f]) => [hex(vaOf(p + k)), f] as const);

/** One step of a program: one command, or a short idiom (alloc then map) so that maps succeed. */
const step: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 2, arbitrary: name.map((x) => [`alloc as ${x}`]) },
  { weight: 1, arbitrary: fc.tuple(name, name).map(([x, y]) => [`clone ${x} as ${y}`]) },
  { weight: 1, arbitrary: name.map((x) => [`drop ${x}`]) },
  {
    weight: 2,
    arbitrary: fc.tuple(mapAt, name).map(([[va, f], x]) => [`map vs ${va} ${x} prop=${f}`]),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(mapAt, name)
      .map(([[va, f], x]) => [`alloc as ${x}`, `map vs ${va} ${x} prop=${f}`]),
  },
  {
    // One frame at two addresses (pt.pa_alias), each mapping with its own reference.
    weight: 1,
    arbitrary: fc
      .tuple(mapAt, mapAt, name, name)
      .map(([[v1, f1], [v2, f2], x, y]) => [
        `alloc as ${x}`,
        `clone ${x} as ${y}`,
        `map vs ${v1} ${x} prop=${f1}`,
        `map vs ${v2} ${y} prop=${f2}`,
      ]),
  },
  { weight: 2, arbitrary: smallRange.map((r) => [`unmap vs ${r}`]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...BIG).map(([s0, l]) => [`unmap vs ${hex(s0)}+${hex(l)}`]),
  },
  { weight: 3, arbitrary: fc.tuple(anyRange, prop).map(([r, f]) => [`protect vs ${r} prop=${f}`]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(smallRange, fc.option(prop, { nil: undefined }))
      .map(([r, f]) => [`mmap vs ${r}${f ? ` prop=${f}` : ''}`]),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(start, fc.integer({ min: 0, max: 1 }), offset, bytes)
      .map(([p, k, o, b]) => [
        `write ${hex(vaOf(p + k) + o)} x"${[...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')}"`,
      ]),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(start, fc.integer({ min: 0, max: 1 }), offset, fc.integer({ min: 1, max: 4 }))
      .map(([p, k, o, n]) => [`read ${hex(vaOf(p + k) + o)} ${n}`]),
  },
  {
    // Map, then touch what was mapped.
    weight: 2,
    arbitrary: fc.tuple(start, offset, bytes).map(([p, o, b]) => {
      const va = hex(vaOf(p) + o);
      return [
        `mmap vs ${hex(vaOf(p))}+8K`,
        `write ${va} x"${[...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')}"`,
        `read ${va} ${b.length}`,
      ];
    }),
  },
  // Commands that must be refused and change nothing.
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.tuple(start, name).map(([p, x]) => `map vs ${hex(vaOf(p))} ${x} prop=w`), // lacks R: Precondition
        smallRange.map((r) => `mmap vs ${r} prop=wx`),
        start.map((p) => `unmap vs ${hex(vaOf(p) + 0x800)}+4K`), // unaligned: AccessDenied
        start.map((p) => `protect vs ${hex(vaOf(p))}+0 prop=r`), // empty: AccessDenied
        start.map((p) => `mmap vs ${hex(vaOf(p))}+6K`), // unaligned end
        name.map((x) => `map vs 0x800000000000 ${x}`), // beyond the user half
      )
      .map((c) => [c]),
  },
);
const program = fc.array(step, { minLength: 4, maxLength: 24 }).map((steps) => steps.flat());

// ---- the reference model ------------------------------------------------------------------------

interface Mapping {
  frame: number;
  writable: boolean;
  exec: boolean;
}

class Model {
  /** page → what it maps to. */
  readonly pt = new Map<number, Mapping>();
  /** handle name → frame (page number). */
  readonly handles = new Map<string, number>();
  /** Bytes known to be in each frame (written by the program since it was allocated). */
  readonly bytes = new Map<number, Map<number, number>>();

  /** References to each frame: handles + mappings. */
  refs(): Map<number, number> {
    const out = new Map<number, number>();
    for (const f of this.handles.values()) out.set(f, (out.get(f) ?? 0) + 1);
    for (const m of this.pt.values()) out.set(m.frame, (out.get(m.frame) ?? 0) + 1);
    return out;
  }

  fresh(frame: number): void {
    this.bytes.set(frame, new Map());
  }

  /** The pages an access of `len` bytes at `va` touches, and whether each allows it. */
  accessOk(va: number, len: number, write: boolean): boolean {
    for (let p = Math.floor(va / PAGE); p <= Math.floor((va + len - 1) / PAGE); p++) {
      const m = this.pt.get(p);
      if (!m || (write && !m.writable)) return false;
    }
    return true;
  }

  /** Where byte `va` lives: frame and offset (the page must be mapped). */
  at(va: number): [number, number] {
    return [this.pt.get(Math.floor(va / PAGE))!.frame, va % PAGE];
  }
}

/** A range as the parser reads it (START+LEN with a K suffix or hex LEN, or START..END), in bytes. */
function bytesOf(range: string): [number, number] {
  const dots = /^(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$/.exec(range);
  if (dots) return [Number(dots[1]), Number(dots[2])];
  const plus = /^(0x[0-9a-f]+)\+(\d+K|0x[0-9a-f]+|0)$/.exec(range);
  if (!plus) throw new Error(`unexpected range ${range}`);
  const s = Number(plus[1]);
  const len = plus[2]!.endsWith('K') ? Number(plus[2]!.slice(0, -1)) * K : Number(plus[2]);
  return [s, s + len];
}

/** VmSpace::cursor_mut's checks: aligned, non-empty, inside the user half (else AccessDenied). */
function validRange(s: number, e: number): boolean {
  return s % PAGE === 0 && e % PAGE === 0 && s < e && e <= USER_END;
}

function parseData(lit: string): number[] {
  return lit
    .slice(2, -1)
    .split(' ')
    .map((x) => parseInt(x, 16));
}

/**
 * What the model says a command does: whether it must be accepted (undefined: the model does not
 * predict it), and how to update the model once it has been.
 */
function predict(
  m: Model,
  cmd: string,
  s: Session,
): { accept: boolean | undefined; apply: () => void } {
  const w = cmd.split(' ');
  const none = (): void => {};
  switch (w[0]) {
    case 'alloc': {
      const x = w[2]!;
      return {
        accept: !m.handles.has(x),
        apply: () => {
          const f = s.machine.resolvePaddr({ name: x });
          // A fresh frame: nothing in the model may hold it.
          expect(
            m.refs().has(f),
            `alloc gave ${hex(f * PAGE)}, which the model says is in use`,
          ).toBe(false);
          m.handles.set(x, f);
          m.fresh(f);
        },
      };
    }
    case 'clone': {
      const [x, y] = [w[1]!, w[3]!];
      return {
        accept: m.handles.has(x) && !m.handles.has(y),
        apply: () => m.handles.set(y, m.handles.get(x)!),
      };
    }
    case 'drop':
      return { accept: m.handles.has(w[1]!), apply: () => m.handles.delete(w[1]!) };
    case 'map': {
      const va = Number(w[2]);
      const x = w[3]!;
      const p = (w[4] ?? 'prop=rw').slice('prop='.length);
      if (!p.includes('r') || !validRange(va, va + PAGE)) return { accept: false, apply: none };
      return {
        accept: m.handles.has(x),
        apply: () => {
          m.pt.set(va / PAGE, {
            frame: m.handles.get(x)!,
            writable: p.includes('w'),
            exec: p.includes('x'),
          });
          m.handles.delete(x);
        },
      };
    }
    case 'unmap': {
      const [s0, e0] = bytesOf(w[2]!);
      if (!validRange(s0, e0)) return { accept: false, apply: none };
      const [a, b] = [s0 / PAGE, e0 / PAGE];
      return {
        accept: true,
        apply: () => {
          for (const p of [...m.pt.keys()]) if (p >= a && p < b) m.pt.delete(p);
        },
      };
    }
    case 'protect': {
      const [s0, e0] = bytesOf(w[2]!);
      const p = w[3]!.slice('prop='.length);
      if (!validRange(s0, e0) || !p.includes('r')) return { accept: false, apply: none };
      const [a, b] = [s0 / PAGE, e0 / PAGE];
      return {
        accept: true,
        apply: () => {
          for (const [pg, mp] of m.pt)
            if (pg >= a && pg < b) {
              mp.writable = p.includes('w');
              mp.exec = p.includes('x');
            }
        },
      };
    }
    case 'mmap': {
      const [s0, e0] = bytesOf(w[2]!);
      const p = (w[3] ?? 'prop=rw').slice('prop='.length);
      if (!validRange(s0, e0) || !p.includes('r')) return { accept: false, apply: none };
      const [a, b] = [s0 / PAGE, e0 / PAGE];
      return {
        accept: true,
        apply: () => {
          const before = m.refs();
          const seen = new Set<number>();
          const { leaves } = engineLeaves(s);
          for (let pg = a; pg < b; pg++) {
            // The engine chose the frames; the model checks they were free and distinct.
            const f = leaves.get(pg)?.frame;
            expect(f, `mmap left ${hex(vaOf(pg))} unmapped`).toBeDefined();
            expect(
              before.has(f!) || seen.has(f!),
              `mmap reused ${hex(f! * PAGE)}, which was in use`,
            ).toBe(false);
            seen.add(f!);
            m.pt.set(pg, { frame: f!, writable: p.includes('w'), exec: p.includes('x') });
            m.fresh(f!);
          }
        },
      };
    }
    case 'write': {
      const va = Number(w[1]);
      const data = parseData(w.slice(2).join(' '));
      return {
        accept: m.accessOk(va, data.length, true),
        apply: () =>
          data.forEach((byte, i) => {
            const [f, o] = m.at(va + i);
            m.bytes.get(f)?.set(o, byte);
          }),
      };
    }
    case 'read': {
      const va = Number(w[1]);
      const n = Number(w[2]);
      return { accept: m.accessOk(va, n, false), apply: none }; // the bytes are checked in run()
    }
  }
  throw new Error(`no prediction for \`${cmd}\``);
}

/**
 * Every leaf of vs, found by walking its page table in simulated memory the way the MMU does
 * (x86-64 PTE bits; vostd counts an entry present when PRESENT or HUGE is set). Only the user half
 * (root entries 0..255): the rest is the kernel's, borrowed.
 */
function engineLeaves(s: Session): { leaves: Map<number, Mapping>; odd: string[] } {
  const mem = s.machine.mem;
  const root = (s.machine.ghost.handles.get('vs') as VmSpaceHandle).root;
  const leaves = new Map<number, Mapping>();
  const odd: string[] = [];
  const rec = (node: number, level: number, base: number): void => {
    for (let i = 0; i < (level === 4 ? 256 : 512); i++) {
      const lo = mem.readWord(node, i * 8);
      const hi = mem.readWord(node, i * 8 + 4);
      if (!(lo & (PTE_PRESENT | PTE_HUGE))) continue;
      const pa = (hi & 0xf_ffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0);
      const vpn = base + i * 512 ** (level - 1);
      if (level > 1 && !(lo & PTE_HUGE)) rec(pa / PAGE, level - 1, vpn);
      else {
        if (level !== 1)
          odd.push(`a level-${level} leaf at ${hex(vaOf(vpn))}: user spaces map 4 KiB pages only`);
        if (!(lo & PTE_USER)) odd.push(`the leaf at ${hex(vaOf(vpn))} lacks USER`);
        leaves.set(vpn, {
          frame: pa / PAGE,
          writable: (lo & PTE_WRITABLE) !== 0,
          exec: (hi & PTEH_NO_EXECUTE) === 0,
        });
      }
    }
  };
  rec(root, 4, 0);
  return { leaves, odd };
}

/** Every way the engine disagrees with the model now (empty: none). */
function disagreements(s: Session, m: Model): string[] {
  const out: string[] = [];
  // 1. Every leaf of the page table, both ways.
  const { leaves, odd } = engineLeaves(s);
  out.push(...odd);
  const show = (x: Map<number, Mapping>): string =>
    [...x]
      .sort(([a], [b]) => a - b)
      .map(
        ([p, v]) =>
          `${hex(vaOf(p))}→${hex(v.frame * PAGE)} r${v.writable ? 'w' : '-'}${v.exec ? 'x' : '-'}`,
      )
      .join(', ');
  const [got, want] = [show(leaves), show(m.pt)];
  if (got !== want) out.push(`page-table leaves are [${got}], the model has [${want}]`);
  // 2. The MMU walk at every page a program can touch, with an offset that must carry over.
  for (const pg of PAGES) {
    const mp = m.pt.get(pg);
    const target = mp ? { num: BigInt(mp.frame * PAGE + 0x123) } : ('fault' as const);
    const why = s.machine.expectTranslate('vs', BigInt(vaOf(pg) + 0x123), target);
    if (why !== null) out.push(`translate vs ${hex(vaOf(pg) + 0x123)}: ${why}`);
    // Its non-canonical aliases (the same low 48 bits, bits 63..48 not copying bit 47): never.
    for (const alias of [
      BigInt(vaOf(pg)) + (1n << 48n),
      BigInt(vaOf(pg)) | 0xffff_0000_0000_0000n,
    ]) {
      const no = s.machine.expectTranslate('vs', alias, 'fault');
      if (no !== null) out.push(`translate vs 0x${alias.toString(16)}: ${no}`);
    }
  }
  // 3. Refcounts: handles + mappings; a frame nothing holds is free (or has become a node).
  const refs = m.refs();
  for (const [f, n] of refs)
    if (s.machine.refcount(f) !== n)
      out.push(`refcount of ${hex(f * PAGE)} is ${s.machine.refcount(f)}, the model counts ${n}`);
  for (const f of m.bytes.keys())
    if (
      !refs.has(f) &&
      s.machine.slot(f).usage !== Usage.PageTable &&
      s.machine.refcount(f) !== RC_UNUSED
    )
      out.push(`${hex(f * PAGE)} should be free, its refcount is ${s.machine.refcount(f)}`);
  // 4. Invariants: no error; pt.pa_alias exactly when the model maps a frame twice.
  for (const v of s.machine.violations)
    if (v.severity === 'error') out.push(`${v.id}: ${v.message}`);
  const frames = [...m.pt.values()].map((x) => x.frame);
  const aliased = new Set(frames).size !== frames.length;
  if (s.machine.violations.some((v) => v.id === 'pt.pa_alias') !== aliased)
    out.push(`pt.pa_alias is ${aliased ? 'missing' : 'raised'}`);
  return out;
}

function run(cmds: string[]): void {
  const s = new Session();
  const m = new Model();
  for (const c of ['machine mem=4M cpus=1', 'vmspace as vs', 'activate vs'])
    expect(s.exec(c).ok, c).toBe(true);
  const script: string[] = [];
  for (const c of cmds) {
    script.push(c);
    const where = (): string => `after \`${c}\` in\n  ${script.join('\n  ')}`;
    const { accept, apply } = predict(m, c, s);
    const before = s.stateHash();
    const r = s.exec(c);
    if (accept !== undefined && r.ok !== accept)
      expect.fail(`${r.ok ? 'accepted' : `refused (${r.code}: ${r.text})`} ${where()}`);
    if (r.ok) {
      apply();
      if (c.startsWith('read ')) {
        const va = Number(c.split(' ')[1]);
        expect(r.data?.length).toBe(Number(c.split(' ')[2]));
        r.data!.forEach((b, i) => {
          const [f, o] = m.at(va + i);
          const known = m.bytes.get(f)?.get(o);
          if (known !== undefined && b !== known)
            expect.fail(`byte ${i} is ${b}, the model says ${known}, ${where()}`);
        });
      }
    } else if (s.stateHash() !== before)
      expect.fail(`\`${c}\` failed (${r.code}) but changed the state, ${where()}`);
    const bad = disagreements(s, m);
    if (bad.length) expect.fail(`${bad.join('\n')}\n${where()}`);
  }
  // Tear down: everything is released and the machine is back to its boot state.
  for (const c of [
    'unmap vs 0x0..0x7ffffffff000',
    ...[...m.handles.keys()].map((x) => `drop ${x}`),
    'deactivate',
    'drop vs',
  ])
    expect(s.exec(c).ok, c).toBe(true);
  expect(s.machine.uncleanReasons(), `teardown of\n  ${script.join('\n  ')}`).toEqual([]);
}

describe('the page table against a reference model', () => {
  it('random map/unmap/protect/mmap/alloc/clone/drop/write/read programs', () => {
    fc.assert(
      fc.property(program, (cmds) => run(cmds)),
      { numRuns: 100 },
    );
  }, 60_000);

  it('a fixed program over every region (a regression anchor)', () => {
    run([
      'alloc as a',
      'clone a as b',
      'map vs 0x1fe000 a prop=rw',
      'map vs 0x200000 b prop=r',
      'write 0x1feffe x"01 02"',
      'mmap vs 0x3fffe000+12K prop=rw',
      'write 0x3ffffffe x"aa bb cc dd"',
      'read 0x3ffffffe 4',
      'mmap vs 0x8000000000..0x8000003000 prop=rx',
      'protect vs 0x0+0x80000000 prop=r',
      'write 0x3ffffffe x"00"',
      'unmap vs 0x40000000+0x200000',
      'read 0x3ffffffe 4',
      'unmap vs 0x0+0x40000000',
      'alloc as c',
      'map vs 0x7fffff000000 c prop=rwx',
      'write 0x7fffff000000 x"42"',
      'read 0x7fffff000000 1',
    ]);
  });
});
