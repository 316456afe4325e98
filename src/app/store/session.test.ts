import { describe, expect, it } from 'vitest';
import type { ExecResult, TimelineEntry, ViolationSummary } from '../../bridge/api';
import { afterExec, currentEntry, summaryOf } from './session';

const entry = (step: number, source = `l${step}`): TimelineEntry => ({
  step,
  line: step,
  source,
  ok: true,
  kind: 'op',
  summary: 'ok',
});
const result = (step: number, over: Partial<ExecResult> = {}): ExecResult => ({
  ok: true,
  kind: 'op',
  text: 'ok x',
  effects: [],
  violations: [],
  step,
  status: { step, length: step, hash: '', current: null, violations: [] },
  ...over,
});

describe('the session mirror', () => {
  it('appends a typed line and drops the future', () => {
    const lines = ['a', '', 'c', 'd'];
    const tl = [entry(1), entry(3), entry(4)];
    const next = afterExec(lines, tl, 3, 'e', result(4));
    expect(next).toEqual({
      lines: ['a', '', 'c', 'e'],
      timeline: [
        entry(1),
        entry(3),
        { step: 4, line: 4, source: 'e', ok: true, kind: 'op', summary: 'ok x' },
      ],
    });
  });

  it('records a blank line without listing it, and asks for a resync otherwise', () => {
    expect(afterExec(['a'], [entry(1)], 1, '# hi', result(2, { kind: 'blank', text: '' }))).toEqual(
      { lines: ['a', '# hi'], timeline: [entry(1)] },
    );
    expect(afterExec(['a'], [entry(1)], 1, 'boom', result(1, { ok: false }))).toBeNull();
  });

  it('marks a line after which an invariant fails', () => {
    const v: ViolationSummary = { id: 'acc.refcount_exact', severity: 'error', message: 'm' };
    const next = afterExec(['a'], [entry(1)], 1, 'unsafe x', result(2, { violations: [v] }));
    expect(next?.timeline.at(-1)).toMatchObject({ step: 2, ok: true, violated: true });
    expect(afterExec(['a'], [entry(1)], 1, 'y', result(2))?.timeline.at(-1)).not.toHaveProperty(
      'violated',
    );
  });

  it('finds the current entry for a position', () => {
    const tl = [entry(1), entry(3), entry(7)];
    expect([0, 1, 2, 3, 6, 7, 9].map((s) => currentEntry(tl, s))).toEqual([-1, 0, 0, 1, 1, 2, 2]);
  });

  it('summarises a result to its first line', () => {
    expect(summaryOf('ok a\nb')).toBe('ok a');
    expect(summaryOf('x'.repeat(300))).toHaveLength(160);
  });
});
