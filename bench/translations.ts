// Workload "translations": one active VmSpace with 64 Ki mapped user pages (256 MiB at VA 0 on a
// 2 GiB machine), then user reads of 8 bytes (`read VA 8`) at random pages and sequentially, against
// a hand-written 4-level walk over a Uint32Array copy of the same table (the limit).
import type { Machine } from '../src/engine';
import type { Core } from '../src/engine/core';
import type { Op } from '../src/engine/ops';
import { walk } from '../src/engine/page_table';
import { cpuRead, translateUser } from '../src/engine/vm_space';
import type { VmSpaceHandle } from '../src/engine/state';
import { parseLine, Session } from '../src/lang';
import { BareTable, bareWalk } from './reference';
import { below, human, now, prng, progress, rate, row, sink, type Row } from './lib';

const PAGES = 1 << 16;
/** Pattern length (a power of two); the loops cycle through it. */
const PATTERN = 1 << 18;
const GOAL_RATE = 50e6;

/** A Core over the machine's state, as `Machine.step` builds one (for calling engine functions directly). */
export function coreOf(m: Machine): Core {
  return {
    consts: m.consts,
    config: m.config,
    mem: m.mem,
    ghost: m.ghost,
    allocator: m.allocator,
    layout: m.layout,
    unsafe: false,
    site: { line: 0, text: 'bench' },
    effects: [],
    tlb: m.tlb,
    mmu: m.mmu,
  };
}

export function setupSpace(lines: string[]): Session {
  const s = new Session();
  s.machine.checking = 'off';
  for (const l of lines) {
    const r = s.exec(l);
    if (!r.ok) throw new Error(`setup \`${l}\` failed: ${r.text}`);
  }
  return s;
}

interface Pattern {
  label: string;
  /** Page numbers and byte addresses of each read. */
  vpn: Float64Array;
  va: bigint[];
  text: string[];
}

function randomPattern(): Pattern {
  const rnd = prng(0x5eed);
  const vpn = new Float64Array(PATTERN);
  const va: bigint[] = [];
  for (let i = 0; i < PATTERN; i++) {
    vpn[i] = below(rnd, PAGES);
    va.push(BigInt(vpn[i]! * 4096 + (rnd() & 511) * 8));
  }
  return { label: 'random', vpn, va, text: va.map((a) => `read 0x${a.toString(16)} 8`) };
}

function sequentialPattern(): Pattern {
  const vpn = new Float64Array(PATTERN);
  const va: bigint[] = [];
  for (let i = 0; i < PATTERN; i++) {
    vpn[i] = Math.floor((i * 8) / 4096);
    va.push(BigInt(i * 8));
  }
  return { label: 'sequential', vpn, va, text: va.map((a) => `read 0x${a.toString(16)} 8`) };
}

// The measured loops: top-level functions over their data (a closure per pattern would let V8
// specialise the first one on its context and not the next, skewing the comparison).
const MASK = PATTERN - 1;

function bareLoop(pt: Uint32Array, vpn: Float64Array, from: number, n: number): number {
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    acc += bareWalk(pt, vpn[pos]!);
    pos = (pos + 1) & MASK;
  }
  return acc;
}

function mmuLoop(core: Core, vpn: Float64Array, from: number, n: number): number {
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    acc += translateUser(core, 0, vpn[pos]!, false);
    pos = (pos + 1) & MASK;
  }
  return acc;
}

function cpuReadLoop(core: Core, va: bigint[], from: number, n: number): number {
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    acc += cpuRead(core, va[pos]!, 8n).length;
    pos = (pos + 1) & MASK;
  }
  return acc;
}

function walkLoop(m: Machine, root: number, vpn: Float64Array, from: number, n: number): number {
  const mem = m.mem;
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    acc += walk(mem, root, vpn[pos]!).lo;
    pos = (pos + 1) & MASK;
  }
  return acc;
}

function stepLoop(m: Machine, ops: Op[], from: number, n: number): number {
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    const r = m.step({ op: ops[pos]! });
    if (!r.ok) throw new Error(r.text);
    acc += r.text.length;
    pos = (pos + 1) & MASK;
  }
  return acc;
}

function sessionLoop(s: Session, text: string[], from: number, n: number): number {
  let acc = 0;
  let pos = from;
  for (let k = 0; k < n; k++) {
    acc += s.exec(text[pos]!).text.length;
    pos = (pos + 1) & MASK;
  }
  return acc;
}

export function translations(): Row[] {
  const t0 = now();
  const session = setupSpace([
    'machine mem=2G',
    'vmspace as vs',
    'activate vs',
    `mmap vs 0x0+0x${(PAGES * 4096).toString(16)}`,
  ]);
  const m = session.machine;
  const root = (m.ghost.handles.get('vs') as VmSpaceHandle).root;
  const bare = new BareTable(m.mem, root);
  progress(
    `translations: set up ${PAGES} mapped pages in ${(now() - t0).toFixed(0)} ms (bare table: ${bare.nodes} nodes)`,
  );

  const rows: Row[] = [];
  const mask = MASK;
  for (const p of [randomPattern(), sequentialPattern()]) {
    // Correctness first: the limit answers what the engine's walk answers, for every read.
    for (let i = 0; i < PATTERN; i++) {
      const w = walk(m.mem, root, p.vpn[i]!);
      const pfn = w.ok ? (w.hi & 0xfffff) * 2 ** 20 + (w.lo >>> 12) : -1;
      if (pfn !== bareWalk(bare.words, p.vpn[i]!))
        throw new Error(`bare walk disagrees with the engine at page ${p.vpn[i]}`);
    }

    // The limit: the hand-written walk over the same reads.
    let pos = 0;
    const limit = rate((n) => {
      sink.n += bareLoop(bare.words, p.vpn, pos, n);
      pos = (pos + n) & mask;
    });

    // The engine's MMU, called directly: vm_space.translateUser (TLB lookup, non-allocating walk on
    // a miss, TLB fill, ACCESSED bit) — what every user access goes through, with tracing off
    // (no text, journal off, no Machine.step around it).
    const core = coreOf(m);
    m.mem.setJournaling(false);
    let hits = 0;
    for (let i = 0; i < PAGES; i++) if (cpuRead(core, p.va[i]!, 8n).startsWith('tlb hit')) hits++;
    pos = 0;
    const engine = rate((n) => {
      sink.n += mmuLoop(core, p.vpn, pos, n);
      pos = (pos + n) & mask;
    });
    pos = 0;
    const command = rate((n) => {
      sink.n += cpuReadLoop(core, p.va, pos, n);
      pos = (pos + n) & mask;
    });
    m.mem.setJournaling(true);
    const hitText = `TLB hits ${((100 * hits) / PAGES).toFixed(1)}% (64-entry 4-way TLB)`;
    rows.push(
      row({
        name: p.label === 'random' ? 'translations' : 'translations.sequential',
        value: engine,
        unit: 'translations/s',
        limit,
        what: `${p.label} user reads over ${PAGES} mapped pages${p.label === 'sequential' ? ' (8-byte stride)' : ''}: engine MMU vm_space.translateUser (TLB + walk + fill, tracing off); limit: bare 4-level Uint32Array walk`,
        goal: `≥ ${human(GOAL_RATE, '/s')} and ≥ 0.5 × limit`,
        met: engine >= GOAL_RATE && engine >= 0.5 * limit,
        notes: [hitText],
      }),
    );
    rows.push(
      row({
        name:
          p.label === 'random'
            ? 'translations.read_command'
            : 'translations.sequential.read_command',
        value: command,
        unit: 'reads/s',
        limit,
        what: `the same reads as whole \`read VA 8\` commands (vm_space.cpuRead: MMU + 8-byte copy + result text), journal off`,
        goal: 'diagnostic',
        met: true,
        notes: [],
      }),
    );

    if (p.label !== 'random') continue;

    // Diagnostics on the random reads: how much of the gap is the walk itself, and how much the
    // command machinery (Machine.step; Session = parse + step) adds.
    pos = 0;
    const walkRate = rate((n) => {
      sink.n += walkLoop(m, root, p.vpn, pos, n);
      pos = (pos + n) & mask;
    });
    rows.push(
      row({
        name: 'translations.walk',
        value: walkRate,
        unit: 'translations/s',
        limit,
        what: 'random pages: the engine walk alone (page_table/node.ts walk, no TLB, no copy, no text); limit: bare walk',
        goal: '',
      }),
    );

    const ops = p.text.map((t) => {
      const s = parseLine(t);
      if (!s || s.kind !== 'op') throw new Error(`cannot parse \`${t}\``);
      return s.op;
    });
    pos = 0;
    const stepRate = rate(
      (n) => {
        sink.n += stepLoop(m, ops, pos, n);
        pos = (pos + n) & mask;
      },
      { targetMs: 150, reps: 3 },
    );
    rows.push(
      row({
        name: 'translations.step',
        value: stepRate,
        unit: 'translations/s',
        limit,
        what: 'random `read VA 8` as pre-parsed ops through Machine.step (checking off; journal, effects, reverse delta); limit: bare walk',
        goal: '',
      }),
    );

    pos = 0;
    const sessionRate = rate(
      (n) => {
        sink.n += sessionLoop(session, p.text, pos, n);
        pos = (pos + n) & mask;
      },
      { targetMs: 150, reps: 3 },
    );
    rows.push(
      row({
        name: 'translations.session',
        value: sessionRate,
        unit: 'translations/s',
        limit,
        what: 'random `read VA 8` lines through Session.exec (parse + step, checking off); limit: bare walk',
        goal: '',
      }),
    );
  }
  progress(`translations: done in ${((now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}
