// VM I/O and DMA against reference models, on random programs run through the language.
//
// (a) VM I/O. A 1-CPU machine with one active space: 0x10000 and 0x11000 read-write, 0x13000
//     read-only, 0x12000, 0x14000 and everything above not mapped; plus a 2-page kernel segment.
//     Random strict `reader`/`writer` creations (user ranges and kernel ones over the segment),
//     `read`, `write`, `copy`, `skip`, `limit` and `drop`. A plain Map of physical byte address →
//     value is updated from each write and copy, including the bytes a faulting copy keeps. After
//     every command: it was accepted or refused as the model predicts (with the model's error
//     code), a refused one changed nothing (state hash), every reader/writer's cursor and end are
//     the model's, the bytes a `read` returned (also before a fault) are the model's, memory is
//     the model's byte for byte, and — after every accepted command — no invariant is violated,
//     vso.* included.
// (b) DMA. Random `dma coherent|stream` maps (with clones and slices of segments, so that pages
//     overlap), drops, re-allocations, `sync` (whole buffer or a range), `device read/write` and
//     CPU reads/writes through kernel readers/writers, with the IOMMU on and off. The model is
//     memory plus a device-side copy for each non-coherent stream. After every command: accepted
//     or refused as predicted, errors change nothing, no error-severity violation, no page in two
//     DMA objects, the DMA mapping set is the model's, memory is the model's, and every byte the
//     device or the CPU reads is the model's.
// Tearing everything down must leave a clean machine. At the end, regression cases pin the
// places where the engine disagrees with the spec today (see each one's comment).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// A test may drive the engine through the language, as its users do (the layering rule is for the
// engine's own code).
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session, type LineResult } from '../../lang';
import { ptePaddr } from '../arch';
import type { Violation } from '../invariants';
import { walk } from '../page_table/node';
import type { DmaHandle, IoHandle, VmSpaceHandle } from '../state';

const PAGE = 4096;
const hex = (n: number): string => '0x' + n.toString(16);
const hexBytes = (b: Uint8Array): string =>
  [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** What a command's result must be: accepted, a PageFault that keeps progress, or one of some errors. */
type Outcome =
  | { kind: 'ok'; apply: (r: LineResult) => void }
  | { kind: 'fault'; apply: (r: LineResult) => void }
  | { kind: 'error'; codes: string[] };

const ok = (apply: (r: LineResult) => void = () => {}): Outcome => ({ kind: 'ok', apply });
const errors = (...codes: string[]): Outcome => ({ kind: 'error', codes });

/** `Code` or `Precondition(clause)`, as `expect error` spells it. */
const codeOf = (r: LineResult): string =>
  r.code === 'Precondition' || r.code === 'Panic' ? `${r.code}(${r.clause})` : String(r.code);

/**
 * Runs one command and checks its result against the prediction; a refused command must leave
 * the state hash unchanged. Returns whether it committed (ok, or a PageFault keeping progress).
 */
function judge(s: Session, text: string, out: Outcome, ctx: () => string): boolean {
  // The state hash covers all of memory: only taken when the command is predicted to fail.
  const before = out.kind === 'error' ? s.stateHash() : '';
  const r = s.exec(text);
  const got = r.ok ? `ok ${r.text}` : `error ${codeOf(r)}: ${r.text}`;
  if (out.kind === 'error') {
    expect(
      r.ok,
      `\`${text}\` should fail with ${out.codes.join(' or ')}, got ${got}\n${ctx()}`,
    ).toBe(false);
    expect(out.codes, `\`${text}\`: ${got}\n${ctx()}`).toContain(codeOf(r));
    expect(s.stateHash(), `\`${text}\` failed but changed the state\n${ctx()}`).toBe(before);
    return false;
  }
  if (out.kind === 'ok')
    expect(r.ok, `\`${text}\` should succeed, got ${got}\n${ctx()}`).toBe(true);
  else
    expect(codeOf(r), `\`${text}\` should fault keeping its progress, got ${got}\n${ctx()}`).toBe(
      'PageFault',
    );
  out.apply(r);
  return true;
}

function bytesEqual(got: Uint8Array | undefined, want: number[], what: string): void {
  expect(got ? hexBytes(got) : '(no bytes)', what).toBe(hexBytes(Uint8Array.from(want)));
}

// =================================================================================================
// (a) VM I/O
// =================================================================================================

const USER_BASE = 0x10000;
/** The user pages from 0x10000 on: 'rw', 'r' or unmapped. Pages past the list are unmapped. */
const LAYOUT: ('rw' | 'r' | null)[] = ['rw', 'rw', null, 'r', null];
const SETUP_IO = [
  'machine mem=4M cpus=1',
  'vmspace as vs',
  'mmap vs 0x10000+8K',
  'mmap vs 0x13000+4K prop=r',
  'activate vs',
  'alloc 2 zeroed as kseg',
];
const KSEG_BYTES = 2 * PAGE;

const IO_NAMES = ['a', 'b', 'c'];

type IoCmd =
  | { op: 'user'; kind: 'reader' | 'writer'; name: string; va: number; len: number }
  | { op: 'kernel'; kind: 'reader' | 'writer'; name: string }
  | { op: 'read'; name: string; n: number | undefined }
  | { op: 'write'; name: string; data: Uint8Array; lit: string }
  | { op: 'copy'; r: string; w: string }
  | { op: 'skip' | 'limit'; name: string; n: number }
  | { op: 'drop'; name: string };

function ioText(c: IoCmd): string {
  switch (c.op) {
    case 'user':
      return `${c.kind} vs ${hex(c.va)} ${hex(c.len)} as ${c.name}`;
    case 'kernel':
      return `${c.kind} kseg as ${c.name}`;
    case 'read':
      return c.n === undefined ? `read ${c.name}` : `read ${c.name} ${hex(c.n)}`;
    case 'write':
      return `write ${c.name} ${c.lit}`;
    case 'copy':
      return `copy ${c.r} ${c.w}`;
    case 'skip':
    case 'limit':
      return `${c.op} ${c.name} ${hex(c.n)}`;
    case 'drop':
      return `drop ${c.name}`;
  }
}

const ioName = fc.constantFrom(...IO_NAMES);
const rw = fc.constantFrom('reader' as const, 'writer' as const);
/** User addresses at and around page boundaries, over the mapped, read-only and missing pages. */
const userVa = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0, 8, 0x7f0, 0xff8, 0xfff))
  .map(([p, o]) => USER_BASE + p * PAGE + o);
const userLen = fc.constantFrom(0, 1, 8, 0x10, 0x100, 0x1000, 0x1008);
const dataLit = fc.oneof(
  fc
    .uint8Array({ minLength: 1, maxLength: 12 })
    .map((b) => ({ data: b, lit: `x"${hexBytes(b)}"` })),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x10, 0x800, 0x1000, 0x1010))
    .map(([b, n]) => ({ data: new Uint8Array(n).fill(b), lit: `fill ${b} ${n}` })),
);
const count = fc.constantFrom(0, 1, 5, 0x10, 0x800, 0x1000, 0x2000);

const userNew = (
  kind: fc.Arbitrary<'reader' | 'writer'>,
  name: fc.Arbitrary<string>,
): fc.Arbitrary<IoCmd> =>
  fc.record({ op: fc.constant('user' as const), kind, name, va: userVa, len: userLen });
const ioCmd: fc.Arbitrary<IoCmd> = fc.oneof(
  { weight: 6, arbitrary: userNew(rw, ioName) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('kernel' as const), kind: rw, name: ioName }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      name: ioName,
      n: fc.option(fc.constantFrom(0, 1, 3, 8, 0x100, 0x1000), { nil: undefined }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.tuple(ioName, dataLit).map(([name, d]) => ({ op: 'write' as const, name, ...d })),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('copy' as const), r: ioName, w: ioName }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('skip' as const), name: ioName, n: count }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('limit' as const), name: ioName, n: count }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), name: ioName }) },
);
/** A step: one command, or an idiom that makes a reader and a writer and copies between them. */
const ioStep: fc.Arbitrary<IoCmd[]> = fc.oneof(
  { weight: 8, arbitrary: ioCmd.map((c) => [c]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.shuffledSubarray(IO_NAMES, { minLength: 2, maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
      )
      .chain(([[r, w], userR, userW]) =>
        fc.tuple(
          userR
            ? userNew(fc.constant('reader'), fc.constant(r!))
            : fc.constant<IoCmd>({ op: 'kernel', kind: 'reader', name: r! }),
          userW
            ? userNew(fc.constant('writer'), fc.constant(w!))
            : fc.constant<IoCmd>({ op: 'kernel', kind: 'writer', name: w! }),
          fc.constant<IoCmd>({ op: 'copy', r: r!, w: w! }),
        ),
      ),
  },
);

interface Io {
  kind: 'reader' | 'writer';
  user: boolean;
  /** User: virtual addresses; kernel: physical addresses (as the engine keeps them). */
  cursor: number;
  end: number;
  /** User writers: the pages their view took when they were made. */
  view: number[];
}

/** Inclusive-overlap test of vostd's overlaps_with_range (touching ranges overlap). */
const touches = (a: [number, number], b: [number, number]): boolean => a[0] <= b[1] && b[0] <= a[1];

class IoModel {
  /** Physical byte address → value; absent means 0 (all memory here starts zeroed). */
  readonly mem = new Map<number, number>();
  readonly ios = new Map<string, Io>();

  /** `userPfn[i]`: the frame of user page USER_BASE/PAGE + i (mapped ones only). */
  constructor(
    readonly userPfn: Map<number, number>,
    readonly ksegBase: number,
  ) {}

  perm(va: number): 'rw' | 'r' | null {
    const i = Math.floor((va - USER_BASE) / PAGE);
    return i >= 0 && i < LAYOUT.length ? LAYOUT[i]! : null;
  }

  /** How many of the next n bytes of h a fallible copy gets through before faulting. */
  prefix(h: Io, n: number, write: boolean): number {
    if (!h.user) return n;
    let k = 0;
    while (k < n) {
      const p = this.perm(h.cursor + k);
      if (p === null || (write && p !== 'rw')) break;
      k = Math.min(n, (Math.floor((h.cursor + k) / PAGE) + 1) * PAGE - h.cursor);
    }
    return k;
  }

  /** The physical address of byte `off` after h's cursor. */
  pa(h: Io, off: number): number {
    if (!h.user) return h.cursor + off;
    const va = h.cursor + off;
    return this.userPfn.get(Math.floor(va / PAGE))! * PAGE + (va % PAGE);
  }

  get(h: Io, n: number): number[] {
    return Array.from({ length: n }, (_, i) => this.mem.get(this.pa(h, i)) ?? 0);
  }

  put(h: Io, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.mem.set(this.pa(h, i), bytes[i]!);
  }

  userIos(kind: 'reader' | 'writer'): Io[] {
    return [...this.ios.values()].filter((h) => h.user && h.kind === kind && h.end > h.cursor);
  }

  /** Mapped pages the engine puts in a writer's view: those of [va, va+len) (a partial page too). */
  viewOf(va: number, len: number): number[] {
    const out: number[] = [];
    for (let p = Math.floor(va / PAGE); p < Math.ceil((va + len) / PAGE); p++)
      if (this.perm(p * PAGE) !== null) out.push(p);
    return out;
  }

  /** The pages of an owner's view still ahead of its cursor (vostd's advance splits the rest off). */
  liveView(h: Io): number[] {
    if (h.end <= h.cursor) return [];
    const first = Math.floor(h.cursor / PAGE);
    const last = Math.ceil(h.end / PAGE);
    return h.view.filter((p) => p >= first && p < last);
  }

  predict(c: IoCmd): Outcome {
    const live = (n: string): Io | undefined => this.ios.get(n);
    const need = (n: string, kind: 'reader' | 'writer'): Io | string => {
      const h = live(n);
      if (!h) return 'UnknownHandle';
      return h.kind === kind ? h : 'WrongKind';
    };
    switch (c.op) {
      case 'user': {
        const range: [number, number] = [c.va, c.va + c.len];
        const codes: string[] = [];
        if (c.len > 0) {
          const w = this.userIos('writer').some((h) => touches(range, [h.cursor, h.end]));
          const r = this.userIos('reader').some((h) => touches(range, [h.cursor, h.end]));
          // can_create_reader / can_create_writer are the creation preconditions; a reader
          // overlapping a reader fails later, at dispose_reader (no shared readers).
          if (c.kind === 'writer' && (w || r)) codes.push('Precondition(can_create_writer)');
          if (c.kind === 'reader' && w) codes.push('Precondition(can_create_reader)');
          if (c.kind === 'reader' && !w && r) codes.push('Precondition(dispose_reader.disjoint)');
        }
        if (live(c.name)) codes.push('NameInUse');
        if (codes.length) return errors(...codes);
        return ok(() =>
          this.ios.set(c.name, {
            kind: c.kind,
            user: true,
            cursor: c.va,
            end: c.va + c.len,
            view: this.viewOf(c.va, c.len),
          }),
        );
      }
      case 'kernel':
        if (live(c.name)) return errors('NameInUse');
        return ok(() =>
          this.ios.set(c.name, {
            kind: c.kind,
            user: false,
            cursor: this.ksegBase,
            end: this.ksegBase + KSEG_BYTES,
            view: [],
          }),
        );
      case 'read': {
        const h = need(c.name, 'reader');
        if (typeof h === 'string') return errors(h);
        const remain = h.end - h.cursor;
        const want = Math.min(c.n ?? remain, remain);
        const done = this.prefix(h, want, false);
        const bytes = this.get(h, done);
        const apply = (r: LineResult): void => {
          bytesEqual(r.data, bytes, `the bytes \`${ioText(c)}\` returned`);
          h.cursor += done;
        };
        return done < want ? { kind: 'fault', apply } : ok(apply);
      }
      case 'write': {
        const h = need(c.name, 'writer');
        if (typeof h === 'string') return errors(h);
        const n = Math.min(h.end - h.cursor, c.data.length);
        const done = this.prefix(h, n, true);
        const apply = (): void => {
          this.put(h, c.data.subarray(0, done));
          h.cursor += done;
        };
        return done < n ? { kind: 'fault', apply } : ok(apply);
      }
      case 'copy': {
        const r = need(c.r, 'reader');
        const w = need(c.w, 'writer');
        if (typeof r === 'string') return errors(r);
        if (typeof w === 'string') return errors(w);
        const n = Math.min(r.end - r.cursor, w.end - w.cursor);
        // Read what the reader gets through, then write what the writer gets through.
        const got = this.get(r, this.prefix(r, n, false));
        const done = this.prefix(w, got.length, true);
        const apply = (): void => {
          this.put(w, got.slice(0, done));
          r.cursor += done;
          w.cursor += done;
        };
        return done < n ? { kind: 'fault', apply } : ok(apply);
      }
      case 'skip': {
        const h = live(c.name);
        if (!h) return errors('UnknownHandle');
        if (c.n > h.end - h.cursor) return errors('Panic(skip panic: n > remain)');
        return ok(() => (h.cursor += c.n));
      }
      case 'limit': {
        const h = live(c.name);
        if (!h) return errors('UnknownHandle');
        return ok(() => (h.end = Math.min(h.end, h.cursor + c.n)));
      }
      case 'drop':
        if (!live(c.name)) return errors('UnknownHandle');
        return ok(() => this.ios.delete(c.name));
    }
  }
}

function userFrames(s: Session): Map<number, number> {
  const root = (s.machine.ghost.handles.get('vs') as VmSpaceHandle).root;
  const out = new Map<number, number>();
  LAYOUT.forEach((p, i) => {
    if (p === null) return;
    const vpn = USER_BASE / PAGE + i;
    const w = walk(s.machine.mem, root, vpn);
    expect(w.ok, `setup: ${hex(vpn * PAGE)} is not mapped`).toBe(true);
    out.set(vpn, ptePaddr(w.lo, w.hi) / PAGE);
  });
  return out;
}

/** Every way the engine's readers/writers and memory differ from the model (empty: none). */
function ioDisagreements(s: Session, m: IoModel): string[] {
  const out: string[] = [];
  const engine = new Map<string, IoHandle>();
  for (const h of s.machine.ghost.handles.values())
    if (h.kind === 'reader' || h.kind === 'writer') engine.set(h.name, h);
  for (const [name, h] of m.ios) {
    const e = engine.get(name);
    if (!e) out.push(`${name} is live in the model, not in the engine`);
    else if (e.kind !== h.kind || e.cursor !== h.cursor || e.end !== h.end)
      out.push(
        `${name}: engine ${e.kind} ${hex(e.cursor)}..${hex(e.end)}, model ${h.kind} ${hex(h.cursor)}..${hex(h.end)}`,
      );
  }
  for (const name of engine.keys())
    if (!m.ios.has(name)) out.push(`${name} is live in the engine, not in the model`);
  const pages = [...m.userPfn.values(), m.ksegBase / PAGE, m.ksegBase / PAGE + 1];
  for (const pfn of pages) {
    const got = s.machine.mem.readBytes(pfn * PAGE, PAGE);
    for (let i = 0; i < PAGE; i++) {
      const want = m.mem.get(pfn * PAGE + i) ?? 0;
      if (got[i] !== want) {
        out.push(`byte ${hex(pfn * PAGE + i)} is ${hex(got[i]!)}, the model says ${hex(want)}`);
        break;
      }
    }
  }
  return out;
}

function ioViolations(s: Session): Violation[] {
  return s.machine.violations;
}

describe('VM I/O against a reference model', () => {
  it('random reader/writer programs (strict): results, cursors, bytes, PageFault progress, no violation', () => {
    fc.assert(
      fc.property(
        fc.array(ioStep, { minLength: 5, maxLength: 30 }).map((steps) => steps.flat()),
        (cmds) => {
          const s = new Session();
          for (const l of SETUP_IO) expect(s.exec(l).ok, l).toBe(true);
          const kseg = s.machine.ghost.handles.get('kseg');
          if (kseg?.kind !== 'segment') throw new Error('setup: no kseg');
          const m = new IoModel(userFrames(s), kseg.start * PAGE);
          const done: string[] = [];
          const ctx = (): string => `after:\n  ${done.join('\n  ')}`;
          for (const c of cmds) {
            const text = ioText(c);
            const committed = judge(s, text, m.predict(c), ctx);
            done.push(text);
            expect(ioDisagreements(s, m), ctx()).toEqual([]);
            if (committed) expect(ioViolations(s), ctx()).toEqual([]);
          }
          // Teardown: back to the boot state.
          for (const name of m.ios.keys()) expect(s.exec(`drop ${name}`).ok).toBe(true);
          for (const l of ['deactivate', 'unmap vs 0x10000+20K', 'drop vs', 'drop kseg'])
            expect(s.exec(l).ok, l).toBe(true);
          const clean = s.exec('expect clean');
          expect(clean.ok, `${clean.text}\n${ctx()}`).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

// =================================================================================================
// (b) DMA
// =================================================================================================

/** Source handles: a (2 pages) and its clone a2, a frame b, c (3 pages) and c2 = its last two. */
const SETUP_DMA = [
  'alloc 2 zeroed as a',
  'clone a as a2',
  'alloc zeroed as b',
  'alloc 3 zeroed as c',
  'slice c 0x1000+0x2000 as c2',
];
const SRC = ['a', 'a2', 'b', 'c', 'c2'];
const DMA = ['d1', 'd2'];

type Dir = 'to_device' | 'from_device' | 'both';
type DmaCmd =
  | {
      op: 'map';
      src: string;
      name: string;
      stream: boolean;
      dir: Dir;
      coherent: boolean | undefined;
    }
  | { op: 'drop'; name: string }
  | { op: 'alloc'; src: string; pages: number }
  | { op: 'clone'; from: string; to: string }
  | { op: 'dropsrc'; src: string }
  | { op: 'sync'; name: string; to: 'to_device' | 'from_device'; range: RangeSpec }
  | { op: 'devread'; name: string; off: number; len: number }
  | { op: 'devwrite'; name: string; off: number; data: Uint8Array }
  | { op: 'cpuwrite'; name: string; off: number; data: Uint8Array }
  | { op: 'cpuread'; name: string; off: number; len: number };
type RangeSpec = { form: 'all' } | { form: 'dots' | 'plus'; start: number; len: number };

const offs = fc.constantFrom(0, 1, 0xff0, 0x1000, 0x1ff8, 0x2000, 0x2ff0, 0x3000);
const lens = fc.constantFrom(0, 1, 4, 0x10, 0x20, 0x1000);
const small = fc.uint8Array({ minLength: 1, maxLength: 16 });
const dmaName = fc.constantFrom(...DMA);
const srcName = fc.constantFrom(...SRC);

const dmaCmd: fc.Arbitrary<DmaCmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      src: srcName,
      name: dmaName,
      stream: fc.boolean(),
      dir: fc.constantFrom<Dir>('to_device', 'from_device', 'both'),
      coherent: fc.option(fc.boolean(), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), name: dmaName }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('alloc' as const),
      src: srcName,
      pages: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('clone' as const), from: srcName, to: srcName }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropsrc' as const), src: srcName }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('sync' as const),
      name: dmaName,
      to: fc.constantFrom('to_device' as const, 'from_device' as const),
      range: fc.oneof(
        fc.constant<RangeSpec>({ form: 'all' }),
        fc.record({
          form: fc.constantFrom('dots' as const, 'plus' as const),
          start: offs,
          len: lens,
        }),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('devread' as const),
      name: dmaName,
      off: offs,
      len: lens,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('devwrite' as const),
      name: dmaName,
      off: offs,
      data: small,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('cpuwrite' as const),
      name: dmaName,
      off: offs,
      data: small,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('cpuread' as const),
      name: dmaName,
      off: offs,
      len: lens,
    }),
  },
);

/** A step: one command, or a round trip through one buffer (CPU → sync → device, or back). */
const dmaStep: fc.Arbitrary<DmaCmd[]> = fc.oneof(
  { weight: 6, arbitrary: dmaCmd.map((c) => [c]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(dmaName, offs, small, fc.boolean())
      .map(([name, off, data, whole]): DmaCmd[] => [
        { op: 'cpuwrite', name, off, data },
        {
          op: 'sync',
          name,
          to: 'to_device',
          range: whole ? { form: 'all' } : { form: 'plus', start: off, len: data.length },
        },
        { op: 'devread', name, off, len: data.length },
      ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(dmaName, offs, small, fc.boolean())
      .map(([name, off, data, whole]): DmaCmd[] => [
        { op: 'devwrite', name, off, data },
        { op: 'cpuread', name, off, len: data.length },
        {
          op: 'sync',
          name,
          to: 'from_device',
          range: whole ? { form: 'all' } : { form: 'dots', start: off, len: data.length },
        },
        { op: 'cpuread', name, off, len: data.length },
      ]),
  },
);

interface Dma {
  pfns: number[];
  stream: boolean;
  dir: Dir | null;
  /** Non-coherent streams: what the device sees. */
  device: Uint8Array | null;
}

class DmaModel {
  /** CPU-side memory of every page in use (what physical memory holds). */
  readonly pages = new Map<number, Uint8Array>();
  readonly refs = new Map<number, number>();
  readonly srcs = new Map<string, number[]>();
  readonly dmas = new Map<string, Dma>();
  readonly dmaSet = new Map<number, string>();

  learn(s: Session, name: string, fresh: boolean): void {
    const h = s.machine.ghost.handles.get(name);
    let pfns: number[];
    if (h?.kind === 'frame') pfns = [h.pfn];
    else if (h?.kind === 'segment')
      pfns = Array.from({ length: h.end - h.start }, (_, i) => h.start + i);
    else throw new Error(`${name} is not a frame or segment`);
    for (const p of pfns) {
      if (fresh) {
        expect(
          this.refs.has(p),
          `alloc gave ${hex(p * PAGE)}, which the model says is in use`,
        ).toBe(false);
        this.pages.set(p, new Uint8Array(PAGE));
      }
      this.refs.set(p, (this.refs.get(p) ?? 0) + 1);
    }
    this.srcs.set(name, pfns);
  }

  release(pfns: number[]): void {
    for (const p of pfns) {
      const n = this.refs.get(p)! - 1;
      if (n > 0) this.refs.set(p, n);
      else {
        this.refs.delete(p);
        this.pages.delete(p);
      }
    }
  }

  /** CPU-side bytes [off, off+len) of a DMA object. */
  mem(d: Dma, off: number, len: number): number[] {
    return Array.from(
      { length: len },
      (_, i) => this.pages.get(d.pfns[Math.floor((off + i) / PAGE)]!)![(off + i) % PAGE]!,
    );
  }

  setMem(d: Dma, off: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++)
      this.pages.get(d.pfns[Math.floor((off + i) / PAGE)]!)![(off + i) % PAGE] = bytes[i]!;
  }

  nameLive(s: Session, n: string): boolean {
    return s.machine.ghost.handles.has(n);
  }
}

function rangeText(r: RangeSpec): string {
  if (r.form === 'all') return '';
  return r.form === 'dots'
    ? ` ${hex(r.start)}..${hex(r.start + r.len)}`
    : ` ${hex(r.start)}+${hex(r.len)}`;
}

/** The lines of one DMA step (CPU accesses are a reader/writer made, moved, used and dropped). */
function dmaLines(c: DmaCmd, m: DmaModel): string[] {
  const size = (n: string): number => (m.dmas.get(n)?.pfns.length ?? 1) * PAGE;
  switch (c.op) {
    case 'map': {
      const co = c.coherent === undefined ? '' : ` coherent=${c.coherent ? 'yes' : 'no'}`;
      return [
        c.stream
          ? `dma stream ${c.src} dir=${c.dir}${co} as ${c.name}`
          : `dma coherent ${c.src}${co} as ${c.name}`,
      ];
    }
    case 'drop':
      return [`drop ${c.name}`];
    case 'alloc':
      return [`alloc ${c.pages} zeroed as ${c.src}`];
    case 'clone':
      return [`clone ${c.from} as ${c.to}`];
    case 'dropsrc':
      return [`drop ${c.src}`];
    case 'sync':
      return [`sync ${c.name} ${c.to}${rangeText(c.range)}`];
    case 'devread':
      return [`device read ${c.name} ${hex(c.off)} ${hex(c.len)}`];
    case 'devwrite':
      return [`device write ${c.name} ${hex(c.off)} x"${hexBytes(c.data)}"`];
    case 'cpuwrite':
      return [
        `writer ${c.name} as w`,
        `skip w ${hex(Math.min(c.off, size(c.name)))}`,
        `write w x"${hexBytes(c.data)}"`,
        'drop w',
      ];
    case 'cpuread':
      return [
        `reader ${c.name} as r`,
        `skip r ${hex(Math.min(c.off, size(c.name)))}`,
        `read r ${hex(c.len)}`,
        'drop r',
      ];
  }
}

/** The outcome of the first line of a step (for CPU accesses the later lines must all succeed). */
function dmaPredict(c: DmaCmd, m: DmaModel, s: Session): Outcome {
  switch (c.op) {
    case 'map': {
      const pfns = m.srcs.get(c.src);
      if (!pfns) return errors('UnknownHandle');
      const codes: string[] = [];
      if (pfns.some((p) => m.dmaSet.has(p))) codes.push('AlreadyMapped');
      if (m.nameLive(s, c.name)) codes.push('NameInUse');
      if (codes.length) return errors(...codes);
      // Defaults: DmaCoherent is coherent, DmaStream is not. A DmaCoherent made with
      // coherent=no is remapped uncached in OSTD, so CPU and device still agree (no device copy).
      const coherent = c.coherent ?? !c.stream;
      return ok(() => {
        const d: Dma = {
          pfns,
          stream: c.stream,
          dir: c.stream ? c.dir : null,
          device:
            c.stream && !coherent
              ? Uint8Array.from(pfns.flatMap((p) => [...m.pages.get(p)!]))
              : null,
        };
        m.srcs.delete(c.src);
        m.dmas.set(c.name, d);
        for (const p of pfns) m.dmaSet.set(p, c.name);
      });
    }
    case 'drop': {
      const d = m.dmas.get(c.name);
      if (!d) return errors('UnknownHandle');
      return ok(() => {
        m.dmas.delete(c.name);
        for (const p of d.pfns) m.dmaSet.delete(p);
        m.release(d.pfns);
      });
    }
    case 'alloc':
      if (m.nameLive(s, c.src)) return errors('NameInUse');
      return ok(() => m.learn(s, c.src, true));
    case 'clone': {
      if (!m.srcs.has(c.from)) return errors('UnknownHandle');
      if (m.nameLive(s, c.to)) return errors('NameInUse');
      return ok(() => m.learn(s, c.to, false));
    }
    case 'dropsrc': {
      const pfns = m.srcs.get(c.src);
      if (!pfns) return errors('UnknownHandle');
      return ok(() => {
        m.srcs.delete(c.src);
        m.release(pfns);
      });
    }
    case 'sync': {
      const d = m.dmas.get(c.name);
      if (!d) return errors('UnknownHandle');
      const size = d.pfns.length * PAGE;
      const [a, b] =
        c.range.form === 'all' ? [0, size] : [c.range.start, c.range.start + c.range.len];
      const codes: string[] = [];
      if (d.stream && d.dir === (c.to === 'to_device' ? 'from_device' : 'to_device'))
        codes.push('AccessDenied');
      if (b > size) codes.push('InvalidArgs');
      if (codes.length) return errors(...codes);
      return ok(() => {
        if (!d.device) return;
        if (c.to === 'to_device') d.device.set(m.mem(d, a, b - a), a);
        else m.setMem(d, a, d.device.subarray(a, b));
      });
    }
    case 'devread':
    case 'devwrite': {
      const d = m.dmas.get(c.name);
      if (!d) return errors('UnknownHandle');
      const len = c.op === 'devread' ? c.len : c.data.length;
      const codes: string[] = [];
      if (d.stream && d.dir === (c.op === 'devread' ? 'from_device' : 'to_device'))
        codes.push('AccessDenied');
      if (c.off + len > d.pfns.length * PAGE) codes.push('InvalidArgs');
      if (codes.length) return errors(...codes);
      if (c.op === 'devread') {
        const want = d.device ? [...d.device.subarray(c.off, c.off + len)] : m.mem(d, c.off, len);
        return ok((r) =>
          bytesEqual(
            r.data,
            want,
            `what the device read: \`device read ${c.name} ${hex(c.off)} ${hex(len)}\``,
          ),
        );
      }
      return ok(() => {
        if (d.device) d.device.set(c.data, c.off);
        else m.setMem(d, c.off, c.data);
      });
    }
    case 'cpuwrite':
    case 'cpuread': {
      const d = m.dmas.get(c.name);
      if (!d) return errors('UnknownHandle');
      if (d.stream && d.dir === (c.op === 'cpuread' ? 'to_device' : 'from_device'))
        return errors('AccessDenied');
      return ok();
    }
  }
}

/** After the first line of a CPU access succeeded: predict the rest (skip, read/write, drop). */
function cpuRest(c: Extract<DmaCmd, { op: 'cpuwrite' | 'cpuread' }>, m: DmaModel): Outcome[] {
  const d = m.dmas.get(c.name)!;
  const size = d.pfns.length * PAGE;
  const off = Math.min(c.off, size);
  const n = Math.min(size - off, c.op === 'cpuread' ? c.len : c.data.length);
  const use =
    c.op === 'cpuread'
      ? ok((r) =>
          bytesEqual(r.data, m.mem(d, off, n), `what the CPU read from ${c.name} at ${hex(off)}`),
        )
      : ok(() => m.setMem(d, off, c.data.subarray(0, n)));
  return [ok(), use, ok()];
}

function dmaDisagreements(s: Session, m: DmaModel): string[] {
  const out: string[] = [];
  const dmas = [...s.machine.ghost.handles.values()].filter(
    (h): h is DmaHandle => h.kind === 'dma',
  );
  const owner = new Map<number, string>();
  for (const d of dmas)
    for (let p = d.start; p < d.end; p++) {
      const o = owner.get(p);
      if (o !== undefined)
        out.push(`frame ${hex(p * PAGE)} is in two DMA objects: ${o} and ${d.name}`);
      owner.set(p, d.name);
    }
  for (const d of dmas) {
    const md = m.dmas.get(d.name);
    if (!md) out.push(`${d.name} is live in the engine, not in the model`);
    else if (md.pfns[0] !== d.start || md.pfns.length !== d.end - d.start)
      out.push(`${d.name} holds other pages than the model says`);
  }
  for (const name of m.dmas.keys())
    if (!dmas.some((d) => d.name === name))
      out.push(`${name} is live in the model, not in the engine`);
  const set = [...s.machine.ghost.dmaSet].sort(([x], [y]) => x - y);
  const mset = [...m.dmaSet].sort(([x], [y]) => x - y);
  if (JSON.stringify(set) !== JSON.stringify(mset))
    out.push(`DMA mapping set ${JSON.stringify(set)}, model ${JSON.stringify(mset)}`);
  for (const [p, bytes] of m.pages) {
    const got = s.machine.mem.readBytes(p * PAGE, PAGE);
    const i = bytes.findIndex((b, k) => got[k] !== b);
    if (i >= 0)
      out.push(
        `memory at ${hex(p * PAGE + i)} is ${hex(got[i]!)}, the model says ${hex(bytes[i]!)}`,
      );
  }
  return out;
}

describe('DMA against a reference model', () => {
  it('random map/drop/sync/device/CPU programs (strict, IOMMU on and off): results, bytes, mapping set, no violation', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(dmaStep, { minLength: 5, maxLength: 25 }).map((steps) => steps.flat()),
        (iommu, cmds) => {
          const s = new Session();
          const m = new DmaModel();
          expect(s.exec(`machine mem=4M cpus=1 iommu=${iommu ? 'on' : 'off'}`).ok).toBe(true);
          for (const l of SETUP_DMA) expect(s.exec(l).ok, l).toBe(true);
          for (const x of SRC) m.learn(s, x, x === 'a' || x === 'b' || x === 'c');
          const done: string[] = [`machine iommu=${iommu ? 'on' : 'off'}`];
          const ctx = (): string => `after:\n  ${done.join('\n  ')}`;
          const after = (): void => {
            expect(dmaDisagreements(s, m), ctx()).toEqual([]);
            const bad = s.machine.violations.filter((v) => v.severity === 'error');
            expect(bad, ctx()).toEqual([]);
          };
          for (const c of cmds) {
            const lines = dmaLines(c, m);
            const first = judge(s, lines[0]!, dmaPredict(c, m, s), ctx);
            done.push(lines[0]!);
            if (first && (c.op === 'cpuread' || c.op === 'cpuwrite')) {
              // The model of the rest is computed once the reader/writer exists.
              const rest = cpuRest(c, m);
              lines.slice(1).forEach((l, i) => {
                judge(s, l, rest[i]!, ctx);
                done.push(l);
                after();
              });
            } else after();
          }
          for (const name of [...m.dmas.keys(), ...m.srcs.keys()])
            expect(s.exec(`drop ${name}`).ok, `drop ${name}`).toBe(true);
          const clean = s.exec('expect clean');
          expect(clean.ok, `${clean.text}\n${ctx()}`).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  }, 60_000);
});

// =================================================================================================
// Disagreements with the spec that these tests found, each fixed in the engine or the language;
// the cases stay as regression anchors.

function script(lines: string[]): { s: Session; results: LineResult[] } {
  const s = new Session();
  return { s, results: lines.map((l) => s.exec(l)) };
}

describe('disagreements found by these tests, now fixed (regression anchors)', () => {
  // Formerly a gap: views were compared page by page, so two strict writers on different bytes of
  // one page raised vso.mem_view. Writers own bytes; views are compared where they own them.
  it('two strict writers on disjoint bytes of one page leave no violation', () => {
    const { s, results } = script([
      'machine mem=16M cpus=1',
      'vmspace as vs',
      'mmap vs 0x10000+4K',
      'activate vs',
      'writer vs 0x10000 16 as w1',
      'writer vs 0x10100 16 as w2',
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(s.machine.violations).toEqual([]);
  });

  // Formerly gap 2 — dma.ts cpuBytesRead raises dma.stale_read for ANY read through a reader
  // of a buffer whose device copy is dirty, and `deviceDirty` is only cleared by a sync of the
  // whole buffer. invariants.md: the warning is for reading data the device wrote after the last
  // sync from the device — here the bytes read were synced (and the device wrote nothing else).
  it('reading bytes that were synced from the device raises no dma.stale_read', () => {
    const { s, results } = script([
      'machine mem=16M cpus=1',
      'alloc 2 zeroed as seg',
      'dma stream seg dir=from_device as rx',
      'device write rx 0 "new!"',
      'sync rx from_device 0..4',
      'reader rx as r',
      'read r 4',
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.at(-1)!.data && [...results.at(-1)!.data!]).toEqual(
      [...'new!'].map((ch) => ch.charCodeAt(0)),
    );
    expect(s.machine.violations.map((v) => v.id)).not.toContain('dma.stale_read');
  });

  // Formerly gap 3 — dma.ts dmaDrop has no drop_requires check: strict `drop D` of a DMA object
  // one of whose pages is already UNUSED does fetch_sub on it (the slot wraps to UNIQUE,
  // meta.unique_unmapped), while `drop S` of a segment in the same state is refused with
  // Precondition(drop_requires.wf_with_region).
  it('strict drop of a DMA object holding a freed page is refused, as for a segment', () => {
    const { results } = script([
      'machine mem=16M cpus=1',
      'alloc 2 as seg',
      'dma coherent seg as d',
      'unsafe from_raw seg as x',
      'unsafe drop x',
      'drop d',
    ]);
    expect(results.at(-1)!.ok).toBe(false);
    expect(`${results.at(-1)!.code}(${results.at(-1)!.clause})`).toBe(
      'Precondition(drop_requires.wf_with_region)',
    );
  });

  // Formerly gap 4 — acc.no_dangling ("no handle … refers to an UNUSED slot") ignores kernel
  // readers/writers: after `unsafe drop f` while `writer f` is live, the writer writes a freed
  // (and then reallocated) frame and no invariant reports it.
  it('acc.no_dangling reports a kernel writer over a frame freed under unsafe', () => {
    const { s } = script([
      'machine mem=16M cpus=1',
      'alloc as f',
      'writer f as w',
      'unsafe drop f',
    ]);
    expect(s.machine.violations.map((v) => v.id)).toContain('acc.no_dangling');
  });

  // Formerly gap 5 — vm_space.ts dropVmSpace: VmSpace::reader/writer return VmReader<'_>
  // borrowing the space (as `reader F` borrows F, refused with Precondition(borrowed)), but
  // `drop vs` with a live user reader is accepted and leaves the reader over a dropped space.
  it('drop VS while a user reader of it is live is refused (the reader borrows it)', () => {
    const { results } = script([
      'machine mem=16M cpus=1',
      'vmspace as vs',
      'activate vs',
      'reader vs 0x10000 4 as r',
      'deactivate',
      'drop vs',
    ]);
    expect(results.at(-1)!.ok).toBe(false);
  });

  // Formerly gap 6 — strict `map` of a frame whose page a DMA object (or any segment) covers
  // is accepted and seg.unmapped, an error, fires (ostd-model §7.16 ties DMA buffers to
  // Segment::relate_regions; `dma stream` of a mapped page is refused, the reverse order is not).
  it('strict map of a DMA-mapped page into user space is refused', () => {
    const { results } = script([
      'machine mem=16M cpus=1',
      'vmspace as vs',
      'alloc as page',
      'dma coherent page as d',
      'frame page as alias',
      'map vs 0x10000 alias',
    ]);
    expect(results.at(-1)!.ok).toBe(false);
  });

  // KNOWN LANGUAGE GAP 7 — session.ts `expect data` refuses any failed command, but a faulting
  // fallible read DID return the bytes it copied (commands.md: `expect data` is about "the bytes
  // the previous command returned"; the result carries them).
  it('expect data checks the bytes a faulting read returned', () => {
    const { results } = script([
      'machine mem=16M cpus=1',
      'vmspace as vs',
      'mmap vs 0x10000+4K',
      'activate vs',
      'reader vs 0x10ffe 4 as r',
      'read r',
      'expect error PageFault',
      'expect data zeros 2',
    ]);
    expect(results.at(-1)!.ok).toBe(true);
  });
});
