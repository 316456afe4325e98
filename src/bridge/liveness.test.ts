import { describe, expect, it } from 'vitest';
import { Liveness, type LivenessOptions } from './liveness';

const O: LivenessOptions = { pingAfter: 1000, idleTimeout: 3000, busyTimeout: 15_000, stall: 2500 };

/** Checks every 500 ms from `from` to `to`; returns the first verdict that is not 'ok'. */
function run(
  l: Liveness,
  from: number,
  to: number,
  busy: boolean,
  progress: (t: number) => number = () => -1,
) {
  for (let t = from; t <= to; t += 500) {
    const v = l.check(t, busy, progress(t));
    if (v === 'ping') l.pinged(t);
    if (v === 'dead') return { v, t };
  }
  return { v: 'ok' as const, t: to };
}

describe('Liveness', () => {
  it('pings an idle worker and keeps it while it answers', () => {
    const l = new Liveness(0, O);
    expect(l.check(500, false, -1)).toBe('ok');
    expect(l.check(1000, false, -1)).toBe('ping');
    l.pinged(1000);
    expect(l.check(1500, false, -1)).toBe('ok');
    l.heard(1600);
    expect(l.check(2000, false, -1)).toBe('ok');
    expect(l.check(2600, false, -1)).toBe('ping');
  });

  it('gives up an idle worker whose ping stays unanswered', () => {
    const l = new Liveness(0, O);
    const r = run(l, 500, 20_000, false);
    expect(r.v).toBe('dead');
    expect(r.t).toBe(4500); // pinged at 1000, silent for more than 3 s after
    expect(l.silentFor(r.t)).toBe(4500);
  });

  it('waits much longer while a call is outstanding (one long command)', () => {
    const l = new Liveness(0, O);
    expect(run(l, 500, 14_500, true).v).toBe('ok');
    expect(run(l, 15_000, 30_000, true)).toEqual({ v: 'dead', t: 15_500 });
  });

  it('counts the progress counter as a sign of life while busy', () => {
    const l = new Liveness(0, O);
    // A long load: a line every 2 s for a minute, then stuck.
    const progress = (t: number) => Math.min(Math.floor(t / 2000), 30);
    const r = run(l, 500, 120_000, true, progress);
    expect(r.v).toBe('dead');
    expect(r.t).toBeGreaterThan(60_000 + 15_000);
    expect(r.t).toBeLessThanOrEqual(60_000 + 16_000);
  });

  it('does not blame the worker for a page that stood still', () => {
    const l = new Liveness(0, O);
    expect(l.check(1000, false, -1)).toBe('ping');
    l.pinged(1000);
    // The page was frozen for a minute; the answer may be queued behind the timer.
    expect(l.check(61_000, false, -1)).toBe('ok');
    expect(l.check(61_500, false, -1)).toBe('ok');
  });
});
