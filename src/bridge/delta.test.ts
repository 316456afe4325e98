import { describe, expect, it } from 'vitest';
import { sameValue, snapshotDelta, wholeSnapshot } from './delta';
import { createSimApi } from './host';
import type { Snapshot } from './snapshot';

/** The snapshots of a session after each line, as the worker builds them. */
async function snapshotsOf(lines: string[]): Promise<Snapshot[]> {
  const api = createSimApi();
  const out: Snapshot[] = [];
  for (const l of lines) out.push((await api.exec(l, { snapshot: true })).snapshot!);
  return out;
}

describe('snapshot deltas', () => {
  it('give back every snapshot whole, its equal parts the very objects of the one before', async () => {
    const snaps = await snapshotsOf([
      'machine mem=16M',
      'alloc as a',
      'vmspace as vs',
      'mmap vs 0x400000+8K',
      'activate vs',
      'read 0x400000 1',
      'expect no violation',
      'drop a',
      'unsafe drop a',
    ]);
    for (let i = 1; i < snaps.length; i++) {
      const [prev, next] = [snaps[i - 1]!, snaps[i]!];
      const d = snapshotDelta(next, prev);
      expect(() => structuredClone(d)).not.toThrow();
      const whole = wholeSnapshot(d, prev);
      expect(Object.keys(whole).sort()).toEqual(Object.keys(next).sort());
      for (const k of Object.keys(next) as (keyof Snapshot)[]) {
        expect(sameValue(whole[k], next[k]), k).toBe(true);
        if (d.same.includes(k)) expect(whole[k]).toBe(prev[k]);
      }
    }
  });

  it('leave out what a command did not change', async () => {
    const [before, after] = await snapshotsOf(['machine mem=16M', 'alloc as a']);
    const d = snapshotDelta(after!, before!);
    expect(d.base).toBe(before!.seq);
    for (const k of ['invariants', 'spaces', 'layout', 'config', 'dma'] as const)
      expect(d.same).toContain(k);
    for (const k of ['seq', 'handles', 'counts', 'last'] as const)
      expect(d.parts).toHaveProperty(k);
  });

  it('refuse to complete against another snapshot than the one they name', async () => {
    const [a, b, c] = await snapshotsOf(['machine mem=16M', 'alloc as a', 'alloc as b']);
    expect(() => wholeSnapshot(snapshotDelta(c!, b!), a!)).toThrow(/against #/);
  });

  it('compare as postMessage copies: content, element types, shared buffers by identity', () => {
    const sab = new SharedArrayBuffer(8);
    expect(
      sameValue(
        { a: [1, { b: 'x' }], t: new Int32Array([1]) },
        { a: [1, { b: 'x' }], t: new Int32Array([1]) },
      ),
    ).toBe(true);
    expect(sameValue(new Int32Array([1]), new Uint32Array([1]))).toBe(false);
    expect(sameValue({ s: sab }, { s: sab })).toBe(true);
    expect(sameValue({ s: sab }, { s: new SharedArrayBuffer(8) })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue([1, 2], [1, 2, 3])).toBe(false);
    expect(sameValue(null, {})).toBe(false);
  });
});

describe('the host', () => {
  it('sends a delta only to a caller holding the last snapshot it sent', async () => {
    const api = createSimApi();
    const first = (await api.exec('machine mem=16M', { snapshot: true })).snapshot!;
    const r = await api.exec('alloc as a', { snapshot: true, base: first.seq });
    expect(r.snapshot).toBeUndefined();
    const second = wholeSnapshot(r.delta!, first);
    expect(second.handles.map((h) => h.name)).toEqual(['a']);
    // Named an older one: a whole snapshot.
    const stale = await api.exec('alloc as b', { snapshot: true, base: first.seq });
    expect(stale.delta).toBeUndefined();
    expect(stale.snapshot!.handles.map((h) => h.name).sort()).toEqual(['a', 'b']);
    // A snapshot fetched on its own counts as sent too.
    const fetched = await api.snapshot();
    const next = await api.exec('drop b', { snapshot: true, base: fetched.seq });
    const third = wholeSnapshot(next.delta!, fetched);
    expect(third.handles.map((h) => h.name)).toEqual(['a']);
    // snapshotSince (a fetch after back/forward/seek): a delta against the one held…
    await api.back();
    const back = await api.snapshotSince(third.seq);
    expect(back.snapshot).toBeUndefined();
    const fourth = wholeSnapshot(back.delta!, third);
    expect(fourth.handles.map((h) => h.name).sort()).toEqual(['a', 'b']);
    expect({ ...fourth, seq: 0 }).toEqual({ ...(await api.snapshot()), seq: 0 });
    // …and a whole one to a caller naming an older one.
    expect((await api.snapshotSince(first.seq)).snapshot?.handles.length).toBe(2);
  });
});
