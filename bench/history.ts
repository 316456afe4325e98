// Workload "history": a 10^4-line session (frames, mappings, CPU accesses, expectations and notes
// on a 64 MiB machine, names reused as a person reuses them) loaded into a History over the real
// Session, then seeks between random steps. The limit is the naive way to reach a step: a fresh
// Session running the whole script unchecked, measured in the same run. Goal: any seek ≤ 100 ms.
import { History } from '../src/engine/history';
import { historySession } from '../src/bridge/session';
import { Session, type LineResult } from '../src/lang';
import { below, median, ms, now, pct, prng, progress, row, type Row } from './lib';

const LINES = 10_000;
const SEEKS = 60;
const GOAL_MS = 100;

/** A long, ordinary session: each block maps a frame, touches it, unmaps it and drops things. */
export function historyScript(lines = LINES): string[] {
  const out = ['machine mem=64M', 'vmspace as vs', 'activate vs'];
  for (let i = 0; out.length < lines; i++) {
    const va = `0x${(0x400000 + (i % 64) * 0x1000).toString(16)}`;
    out.push(
      'alloc as a',
      `map vs ${va} a prop=rw`,
      `write ${va} "block ${i}"`,
      `read ${va} 8`,
      'alloc 2 as s',
      'clone s as t',
      'expect refcount s 2',
      'drop t',
      'drop s',
      `unmap vs ${va}+4K`,
      i % 10 === 0 ? `note block ${i}` : 'expect no violation',
    );
  }
  return out.slice(0, lines);
}

export function history(): Row[] {
  const lines = historyScript();
  // The limit: a fresh session running the whole script, unchecked (median of 3).
  const replays: number[] = [];
  let hashAtEnd = '';
  for (let k = 0; k < 3; k++) {
    const t0 = now();
    const s = new Session();
    for (const l of lines) {
      s.machine.checking = 'off';
      s.exec(l);
    }
    replays.push(now() - t0);
    hashAtEnd = s.stateHash();
  }
  const replay = median(replays);
  progress(`history: naive replay of ${lines.length} lines ${ms(replay)}`);

  const session = new Session();
  const h = new History<LineResult>(historySession(session));
  let t0 = now();
  h.load(lines);
  const load = now() - t0;
  if (session.stateHash() !== hashAtEnd)
    throw new Error('History.load does not reach the state of a fresh run');
  const failed = lines.filter((_, i) => !h.result(i)?.ok).length;
  if (failed) throw new Error(`${failed} lines of the workload failed`);

  const rnd = prng(0x5eed);
  const back: number[] = [];
  const fwd: number[] = [];
  for (let k = 0; k < SEEKS; k++) {
    const target = below(rnd, lines.length + 1);
    const from = h.position;
    t0 = now();
    h.seek(target);
    (target < from ? back : fwd).push(now() - t0);
  }
  const all = [...back, ...fwd];
  const p95 = pct(all, 0.95);
  t0 = now();
  for (let k = 0; k < 50; k++) h.back();
  const backStep = (now() - t0) / 50;
  t0 = now();
  for (let k = 0; k < 50; k++) h.forward();
  const fwdStep = (now() - t0) / 50;

  const notes = [
    `load of ${lines.length} lines ${ms(load)}; ${SEEKS} random seeks: p50 ${ms(median(all))}, p95 ${ms(p95)}, max ${ms(Math.max(...all))}`,
    `backwards (undo deltas, ${back.length}): p95 ${ms(pct(back, 0.95))}; forwards (unchecked re-runs + one check, ${fwd.length}): p95 ${ms(pct(fwd, 0.95))}`,
    `one step: back ${ms(backStep)}, forward ${ms(fwdStep)} (each ends with a full check when the state was reached unchecked)`,
    'a seek restores the nearest keyframe (a machine image every 128 lines) or undoes reverse deltas, whichever is closer, then re-runs the lines in between unchecked (~60 µs a line) and checks once',
  ];
  return [
    row({
      name: 'history.seek',
      value: p95,
      unit: 'ms',
      limit: replay,
      what: `p95 of ${SEEKS} seeks between random steps of a ${lines.length}-line history; limit = a fresh unchecked replay of all of it`,
      goal: `≤ ${GOAL_MS} ms`,
      met: p95 <= GOAL_MS,
      notes,
    }),
  ];
}
