// Workload "mapping": `mmap` of 2^18 contiguous pages and of 2^16 single pages scattered over
// the user half, then unmap them all, through Machine.step (commands parsed beforehand), with
// invariant checking off, incremental (the default) and full. The limit is RefMm (reference.ts): the same
// bookkeeping in plain typed arrays, run in the same process, whose final metadata (the words it
// keeps) must equal the engine's.
import type { Machine, StepResult } from '../src/engine';
import type { Op } from '../src/engine/ops';
import type { VmSpaceHandle } from '../src/engine/state';
import { walk } from '../src/engine/page_table';
import { parseLine } from '../src/lang';
import { below, collect, human, median, ms, now, prng, progress, row, type Row } from './lib';
import { metaDiff, RefMm } from './reference';
import { setupSpace } from './translations';

const DENSE = 1 << 18;
const SCATTERED = 1 << 16;
/** The fallback when one command cannot map all 2^18 pages: commands of this many pages. */
const CHUNK = 1 << 16;
/** Scattered commands run with checking 'full' (each runs the whole checker once). */
const FULL_SCATTERED = 32;
const USER_PAGES = 2 ** 35;
const GOAL_DENSE = 2e6;
const REF_REPS = 5;
/**
 * Rounds of the engine's dense map + unmap (each a 2^18-page command); the median is reported.
 * WARMUP: each series starts with one more round, not counted (its time is noted): V8 compiles
 * the map and the checker while they run, and the checker's loops run once per command, so its
 * first whole checks of 2^18 pages run largely unoptimized (≈ 2× the steady cost, for 2–3 rounds).
 */
const ENGINE_REPS = REF_REPS;

const hexVa = (vpn: number): string => `0x${(vpn * 4096).toString(16)}`;

function op(line: string): Op {
  const s = parseLine(line);
  if (!s || s.kind !== 'op') throw new Error(`cannot parse \`${line}\``);
  return s.op;
}

interface Timed {
  ms: number;
  commands: number;
  notes: string[];
}

/** Steps pre-parsed ops; throws on the first error. Returns the time spent in Machine.step. */
function stepAll(m: Machine, ops: Op[]): number {
  const t0 = now();
  for (const o of ops) {
    const r: StepResult = m.step({ op: o });
    if (!r.ok) throw new Error(`\`${o.op}\` failed: ${r.code}: ${r.text}`);
  }
  return now() - t0;
}

/** The run with the median time (its notes too). */
function medianTimed(runs: Timed[]): Timed {
  return [...runs].sort((a, b) => a.ms - b.ms)[runs.length >> 1]!;
}

/**
 * `verb vs 0x0+N pages` as one command. If the engine refuses it (an error, rolled back), as
 * commands of CHUNK pages. If Machine.step throws instead of returning, the command has already
 * changed the state: the time to the throw is kept, the stray journal dropped, and a note says so.
 */
function denseCommand(m: Machine, verb: 'mmap' | 'unmap', pages: number): Timed {
  const whole = op(`${verb} vs 0x0+${hexVa(pages)}`);
  const t0 = now();
  let r: StepResult;
  try {
    r = m.step({ op: whole });
  } catch (e) {
    const dt = now() - t0;
    m.mem.setJournaling(false);
    m.mem.setJournaling(true);
    return {
      ms: dt,
      commands: 1,
      notes: [
        `ENGINE BUG: \`${verb} vs 0x0+${hexVa(pages)}\` threw out of Machine.step after ${ms(dt)} (${e instanceof Error ? e.message : String(e)}) with the command already applied (not rolled back, no result, no delta); the figure is the time to the throw`,
      ],
    };
  }
  const dt = now() - t0;
  if (r.ok) return { ms: dt, commands: 1, notes: [] };
  const ops: Op[] = [];
  for (let v = 0; v < pages; v += CHUNK) ops.push(op(`${verb} vs ${hexVa(v)}+${hexVa(CHUNK)}`));
  const t = stepAll(m, ops);
  return {
    ms: t,
    commands: ops.length,
    notes: [
      `one \`${verb} vs 0x0+${hexVa(pages)}\` fails in the engine after ${ms(dt)} (${r.code}: ${r.text.slice(0, 90)}); measured as ${ops.length} commands of ${CHUNK} pages`,
    ],
  };
}

function engineRoot(m: Machine): number {
  return (m.ghost.handles.get('vs') as VmSpaceHandle).root;
}

/** The engine and the reference agree: the metadata words RefMm keeps, and translations of `sample`. */
function agree(m: Machine, ref: RefMm, sample: number[], when: string): void {
  const d = metaDiff(m.mem.meta, ref.meta);
  if (d) throw new Error(`mapping reference disagrees with the engine ${when}: ${d}`);
  const root = engineRoot(m);
  for (const vpn of sample) {
    const w = walk(m.mem, root, vpn);
    const pfn = w.ok ? (w.hi & 0xfffff) * 2 ** 20 + (w.lo >>> 12) : -1;
    if (pfn !== ref.translate(vpn))
      throw new Error(`mapping reference translates page ${vpn} differently ${when}`);
  }
}

interface RefRuns {
  mapMs: number;
  unmapMs: number;
  /** The first run's metadata after the map, and its model after the unmap (for agree()). */
  mapped: Uint32Array;
  first: RefMm;
}

/**
 * Runs the reference REF_REPS times from the engine's metadata `before` (run before the engine's
 * own work, so the engine's garbage does not land in the reference's time); medians.
 */
function refRuns(
  before: Uint32Array,
  root: number,
  map: (r: RefMm) => void,
  unmap: (r: RefMm) => void,
): RefRuns {
  const mapMs: number[] = [];
  const unmapMs: number[] = [];
  let mapped: Uint32Array | undefined;
  let first: RefMm | undefined;
  for (let k = 0; k < REF_REPS; k++) {
    const ref = new RefMm(before, root);
    let t = now();
    map(ref);
    mapMs.push(now() - t);
    if (k === 0) mapped = ref.meta.slice();
    t = now();
    unmap(ref);
    unmapMs.push(now() - t);
    first ??= ref;
  }
  return { mapMs: median(mapMs), unmapMs: median(unmapMs), mapped: mapped!, first: first! };
}

function scatteredPages(): number[] {
  const rnd = prng(0xa11ce);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < SCATTERED) {
    const v = below(rnd, USER_PAGES);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

const SETUP = ['machine mem=2G', 'vmspace as vs', 'activate vs'];

export function mapping(): Row[] {
  const t0 = now();
  const rows: Row[] = [];

  // ---- dense: 2^18 contiguous pages at VA 0 -----------------------------------------------------
  {
    collect();
    const m = setupSpace(SETUP).machine;
    const root = engineRoot(m);
    const ref = refRuns(
      m.mem.meta,
      root,
      (r) => r.mmap(0, DENSE),
      (r) => r.unmap(0, DENSE),
    );
    // The engine gets the reference's treatment: the median of ENGINE_REPS map + unmap rounds
    // (an unmap of the whole range takes the nodes too, so each round starts as the first did).
    const maps: Timed[] = [];
    const unmaps: Timed[] = [];
    let coldMap = 0;
    for (let k = -1; k < ENGINE_REPS; k++) {
      const mapK = denseCommand(m, 'mmap', DENSE);
      progress(`mapping: dense mmap of ${DENSE} pages: ${ms(mapK.ms)}`);
      const d = metaDiff(m.mem.meta, ref.mapped);
      if (d)
        throw new Error(`mapping reference disagrees with the engine after the dense mmap: ${d}`);
      const unmapK = denseCommand(m, 'unmap', DENSE);
      progress(`mapping: dense unmap: ${ms(unmapK.ms)}`);
      agree(m, ref.first, [0, 1, 511, 512, DENSE - 1, DENSE, 12345], 'after the dense unmap');
      if (k < 0) {
        coldMap = mapK.ms;
        continue; // the warm-up round (WARMUP)
      }
      maps.push(mapK);
      unmaps.push(unmapK);
    }
    const map = medianTimed(maps);
    const unmap = medianTimed(unmaps);
    const limMap = DENSE / (ref.mapMs / 1000);
    const limUnmap = DENSE / (ref.unmapMs / 1000);
    const value = DENSE / (map.ms / 1000);
    rows.push(
      row({
        name: 'mapping',
        value,
        unit: 'maps/s',
        limit: limMap,
        what: `dense \`mmap vs 0x0+1G\` (${DENSE} pages; alloc + map each) through Machine.step, checking off; limit: typed-array reference, same bookkeeping`,
        goal: `≥ ${human(GOAL_DENSE, ' maps/s')}`,
        met: value >= GOAL_DENSE,
        notes: [
          `engine ${ms(map.ms)} for ${map.commands} command${map.commands > 1 ? 's' : ''} (median of ${ENGINE_REPS}, after a warm-up round of ${ms(coldMap)}); reference ${ms(ref.mapMs)} (median of ${REF_REPS})`,
          ...map.notes,
          "reference metadata (the words it keeps: refcount, usage, storage, vtable, nr_children, level, paths_in_pt) equals the engine's after map and after unmap",
        ],
      }),
    );
    rows.push(
      row({
        name: 'mapping.dense.unmap',
        value: DENSE / (unmap.ms / 1000),
        unit: 'unmaps/s',
        limit: limUnmap,
        what: `\`unmap vs 0x0+1G\` of those pages (whole level-1 nodes go as stray page tables), checking off; limit: reference`,
        goal: '',
        notes: [`engine ${ms(unmap.ms)}; reference ${ms(ref.unmapMs)}`, ...unmap.notes],
      }),
    );
  }

  // ---- the same with checking 'incremental' (the default), right after the unchecked rounds: a
  // process that has since built and dropped the scattered machines collects garbage more slowly
  {
    collect();
    const m = setupSpace(SETUP).machine;
    m.checking = 'incremental';
    const maps: Timed[] = [];
    let coldMap = 0;
    for (let k = -1; k < ENGINE_REPS; k++) {
      const mapK = denseCommand(m, 'mmap', DENSE);
      denseCommand(m, 'unmap', DENSE);
      if (m.violations.length)
        throw new Error(`incremental checking reports ${m.violations[0]!.message}`);
      if (k < 0)
        coldMap = mapK.ms; // the warm-up round (WARMUP)
      else maps.push(mapK);
    }
    const map = medianTimed(maps);
    progress(`mapping: dense mmap with checking incremental: ${ms(map.ms)}`);
    const value = DENSE / (map.ms / 1000);
    const off = rows[0]!.value;
    rows.push(
      row({
        name: 'mapping.dense.incremental',
        value,
        unit: 'maps/s',
        limit: off,
        what: `the dense mmap with checking 'incremental' (the default; median of ${ENGINE_REPS} after a warm-up round); limit: the same command with checking off, this run`,
        goal: '≥ 0.5 × limit (at most 2× slower than unchecked)',
        met: value >= 0.5 * off,
        notes: [
          `${m.checkCounts.incremental} incremental checks, ${m.checkCounts.whole} whole; the warm-up round's map took ${ms(coldMap)}`,
          ...map.notes,
        ],
      }),
    );
  }

  // ---- scattered: 2^16 single pages at random addresses of the user half -----------------------
  const pages = scatteredPages();
  const mapOps = pages.map((v) => op(`mmap vs ${hexVa(v)}+0x1000`));
  const unmapOps = pages.map((v) => op(`unmap vs ${hexVa(v)}+0x1000`));
  let checkAtScaleMs: number;
  let scatteredRef: number;
  {
    collect();
    const m = setupSpace(SETUP).machine;
    const root = engineRoot(m);
    const ref = refRuns(
      m.mem.meta,
      root,
      (r) => pages.forEach((v) => r.mmap(v, v + 1)),
      (r) => pages.forEach((v) => r.unmap(v, v + 1)),
    );
    const tMap = stepAll(m, mapOps);
    progress(`mapping: ${SCATTERED} scattered mmap commands: ${ms(tMap)}`);
    const d = metaDiff(m.mem.meta, ref.mapped);
    if (d)
      throw new Error(
        `mapping reference disagrees with the engine after the scattered mmaps: ${d}`,
      );
    // What one command would pay for checking 'full' at this size: the checker alone, as step runs it.
    const tc = now();
    const violations = m.check();
    checkAtScaleMs = now() - tc;
    if (violations.length)
      throw new Error(
        `the engine reports violations after the scattered mmaps: ${violations[0]!.message}`,
      );
    const tUnmap = stepAll(m, unmapOps);
    progress(
      `mapping: ${SCATTERED} scattered unmap commands: ${ms(tUnmap)}; one full check at ${SCATTERED} scattered pages: ${ms(checkAtScaleMs)}`,
    );
    agree(m, ref.first, pages.slice(0, 64), 'after the scattered unmaps');
    scatteredRef = SCATTERED / (ref.mapMs / 1000);
    rows.push(
      row({
        name: 'mapping.scattered.map',
        value: SCATTERED / (tMap / 1000),
        unit: 'maps/s',
        limit: scatteredRef,
        what: `${SCATTERED} commands \`mmap vs VA+4K\` at random pages of the user half (new level-3/2/1 nodes as needed), checking off; limit: reference`,
        goal: '',
        notes: [
          `engine ${ms(tMap)} (${((tMap * 1000) / SCATTERED).toFixed(1)} µs/command); reference ${ms(ref.mapMs)}`,
        ],
      }),
    );
    rows.push(
      row({
        name: 'mapping.scattered.unmap',
        value: SCATTERED / (tUnmap / 1000),
        unit: 'unmaps/s',
        limit: SCATTERED / (ref.unmapMs / 1000),
        what: `${SCATTERED} commands \`unmap vs VA+4K\` of those pages, checking off; limit: reference`,
        goal: '',
        notes: [
          `engine ${ms(tUnmap)} (${((tUnmap * 1000) / SCATTERED).toFixed(1)} µs/command); reference ${ms(ref.unmapMs)}`,
        ],
      }),
    );
  }

  // ---- the scattered ones with checking 'incremental' ----------------------------------------------
  {
    collect();
    const m = setupSpace(SETUP).machine;
    m.checking = 'incremental';
    const tMap = stepAll(m, mapOps);
    const tUnmap = stepAll(m, unmapOps);
    if (m.violations.length)
      throw new Error(`incremental checking reports ${m.violations[0]!.message}`);
    progress(
      `mapping: ${SCATTERED} scattered mmaps / unmaps with checking incremental: ${ms(tMap)} / ${ms(tUnmap)}`,
    );
    const off = rows.find((r) => r.name === 'mapping.scattered.map')!.value;
    const value = SCATTERED / (tMap / 1000);
    rows.push(
      row({
        name: 'mapping.scattered.incremental',
        value,
        unit: 'maps/s',
        limit: off,
        what: `the ${SCATTERED} scattered \`mmap vs VA+4K\` commands with checking 'incremental' (each checks what it changed, on a space growing to ${SCATTERED} pages); limit: the same commands with checking off, this run`,
        goal: '≥ 0.5 × limit (at most 2× slower than unchecked)',
        met: value >= 0.5 * off,
        notes: [
          `maps ${ms(tMap)} (${((tMap * 1000) / SCATTERED).toFixed(1)} µs/command), unmaps ${ms(tUnmap)} (${((tUnmap * 1000) / SCATTERED).toFixed(1)} µs/command); ${m.checkCounts.incremental} incremental checks, ${m.checkCounts.whole} whole`,
        ],
      }),
    );
  }

  // ---- the same with checking 'full': every command checks the whole machine --------------------
  {
    collect();
    const m = setupSpace(SETUP).machine;
    m.checking = 'full';
    const map = denseCommand(m, 'mmap', DENSE);
    const tc = now();
    m.check();
    const checkMs = now() - tc;
    progress(
      `mapping: dense mmap with checking full: ${ms(map.ms)} (one full check at ${DENSE} pages: ${ms(checkMs)})`,
    );
    const value = DENSE / (map.ms / 1000);
    rows.push(
      row({
        name: 'mapping.dense.full',
        value,
        unit: 'maps/s',
        limit: rows[0]!.limit,
        what: `the dense mmap again with checking 'full' (the whole checker after each command); limit: reference`,
        goal: '',
        notes: [
          `${map.commands} command${map.commands > 1 ? 's' : ''}; one full check at ${DENSE} mapped pages costs ${ms(checkMs)}`,
          ...map.notes,
        ],
      }),
    );
  }
  {
    collect();
    const m = setupSpace(SETUP).machine;
    m.checking = 'full';
    const t = stepAll(m, mapOps.slice(0, FULL_SCATTERED));
    const per = t / FULL_SCATTERED;
    progress(`mapping: ${FULL_SCATTERED} scattered mmaps with checking full: ${ms(t)}`);
    rows.push(
      row({
        name: 'mapping.scattered.full',
        value: FULL_SCATTERED / (t / 1000),
        unit: 'maps/s',
        limit: scatteredRef,
        what: `the first ${FULL_SCATTERED} scattered \`mmap vs VA+4K\` commands only, with checking 'full'; limit: reference (scattered)`,
        goal: '',
        notes: [
          `${ms(per)} per command on a 2 GiB machine with few pages mapped; with ${SCATTERED} scattered pages mapped one full check alone costs ${ms(checkAtScaleMs)}, so all ${SCATTERED} commands would take ≈ ${((SCATTERED * (per + checkAtScaleMs)) / 2 / 60000).toFixed(0)} min (not run)`,
        ],
      }),
    );
  }
  progress(`mapping: done in ${((now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}
