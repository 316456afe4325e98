import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINES, useLog } from './log';

describe('log store', () => {
  beforeEach(() => useLog.getState().clear());

  it('appends lines in order with distinct ids', () => {
    useLog.getState().append([
      { kind: 'input', text: 'alloc as f1' },
      { kind: 'ok', text: 'ok f1' },
    ]);
    const { lines } = useLog.getState();
    expect(lines.map((l) => l.text)).toEqual(['alloc as f1', 'ok f1']);
    expect(new Set(lines.map((l) => l.id)).size).toBe(2);
  });

  it(`keeps only the last ${MAX_LINES} lines`, () => {
    const many = Array.from({ length: MAX_LINES + 5 }, (_, i) => ({
      kind: 'info' as const,
      text: `line ${i}`,
    }));
    useLog.getState().append(many);
    const { lines } = useLog.getState();
    expect(lines).toHaveLength(MAX_LINES);
    expect(lines[0]?.text).toBe('line 5');
  });

  it('an empty append changes nothing (no listener runs)', () => {
    useLog.getState().append([{ kind: 'info', text: 'a' }]);
    const before = useLog.getState().lines;
    let calls = 0;
    const off = useLog.subscribe(() => calls++);
    useLog.getState().append([]);
    off();
    expect(useLog.getState().lines).toBe(before);
    expect(calls).toBe(0);
  });
});
