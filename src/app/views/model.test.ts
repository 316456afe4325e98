import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../bridge/testing';
import { highlightOf, inRanges, ioConflicts, localFrameDetail, meetsRanges, mergeRanges } from './model';

describe('ranges', () => {
  it('merges, finds and meets', () => {
    const r = mergeRanges([[5, 7], [1, 3], [2, 4], [10, 10]]);
    expect(r).toEqual([[1, 4], [5, 7]]);
    expect(inRanges(r, 3)).toBe(true);
    expect(inRanges(r, 4)).toBe(false);
    expect(inRanges(r, 6)).toBe(true);
    expect(meetsRanges(r, 4, 5)).toBe(false);
    expect(meetsRanges(r, 4, 6)).toBe(true);
    expect(meetsRanges([], 0, 100)).toBe(false);
  });
});

describe('highlightOf', () => {
  const base = ['machine mem=16M', 'vmspace as vs', 'activate vs', 'alloc as f', 'clone f as g', 'map vs 0x400000 g prop=r', 'alloc 3 as seg', 'cursor vs 0x400000+8K as c'];
  it('a frame: the frame and the handles holding it', () => {
    const { snapshot, paddrOf } = snapshotOf(base);
    const f = paddrOf('f');
    const h = highlightOf(snapshot, { kind: 'frame', pfn: f });
    expect(h.frames).toEqual([[f, f + 1]]);
    expect([...h.handles]).toEqual(['f']);
    const s1 = paddrOf('seg') + 1;
    expect([...highlightOf(snapshot, { kind: 'frame', pfn: s1 }).handles]).toEqual(['seg']);
  });
  it('a handle: its frames, its space, its virtual range', () => {
    const { snapshot, paddrOf } = snapshotOf(base);
    const seg = highlightOf(snapshot, { kind: 'handle', name: 'seg' });
    expect(seg.frames).toEqual([[paddrOf('seg'), paddrOf('seg') + 3]]);
    const c = highlightOf(snapshot, { kind: 'handle', name: 'c' });
    expect(c.space).toBe('vs');
    expect(c.va.get('vs')).toEqual([[0x400, 0x600]]); // a level-2 guard locks 2 MiB
    const vs = highlightOf(snapshot, { kind: 'handle', name: 'vs' });
    expect(vs.space).toBe('vs');
    expect(highlightOf(snapshot, null).frames).toEqual([]);
  });
  it('a violation: what it blames', () => {
    const { snapshot, paddrOf } = snapshotOf([...base, 'into_raw f', 'from_raw f as a', 'unsafe from_raw f as b']);
    expect(snapshot.violations.length).toBeGreaterThan(0);
    const i = snapshot.violations.findIndex((v) => v.frames.includes(paddrOf('f')));
    expect(i).toBeGreaterThanOrEqual(0);
    const h = highlightOf(snapshot, { kind: 'violation', index: i });
    expect(inRanges(h.frames, paddrOf('f'))).toBe(true);
    expect(h.label).toMatch(/^violation /);
    expect(highlightOf(snapshot, { kind: 'violation', index: 999 }).frames).toEqual([]);
    // A selection that names an ID no longer at its index highlights nothing.
    expect(highlightOf(snapshot, { kind: 'violation', index: i, id: 'no.such' }).frames).toEqual([]);
    expect(highlightOf(snapshot, { kind: 'violation', index: i, id: snapshot.violations[i]!.id }).frames.length).toBe(1);
  });
});

describe('localFrameDetail', () => {
  it('agrees with the worker on what the shared memory tells', () => {
    const { snapshot, detail, paddrOf } = snapshotOf(['machine mem=16M', 'vmspace as vs', 'activate vs', 'alloc as f', 'clone f as g', 'map vs 0x400000 g prop=r', 'read 0x400000 1', 'alloc as h', 'into_raw h']);
    for (const name of ['f', 'h']) {
      const pfn = paddrOf(name);
      const local = localFrameDetail(snapshot, pfn)!;
      const remote = detail(pfn)!;
      expect(local.slot).toEqual(remote.slot);
      expect(local.region).toBe(remote.region);
      expect(local.holders.map((x) => x.name)).toEqual(remote.holders.map((x) => x.name));
      expect(local.forgotten).toEqual(remote.forgotten);
      expect(local.ptes.map((p) => [p.space, p.vpn])).toEqual(remote.ptes.map((p) => [p.space, p.vpn]));
      expect(local.tlb).toEqual(remote.tlb);
      expect(local.linear).toBe(remote.linear);
    }
    expect(localFrameDetail(snapshot, -1)).toBeNull();
  });
});

describe('ioConflicts', () => {
  it('finds readers and writers that overlap or touch', () => {
    const { snapshot } = snapshotOf([
      'machine mem=16M',
      'vmspace as vs',
      'activate vs',
      'mmap vs 0x400000+16K',
      'reader vs 0x400000 0x1000 as r',
      'unsafe writer vs 0x401000 0x1000 as w',
      'writer vs 0x403000 0x100 as w2',
    ]);
    const c = ioConflicts(snapshot.handles);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ space: 'vs', a: 'r', b: 'w', id: 'vso.rw_disjoint', start: 0x401000 });
    expect(snapshot.violations.map((v) => v.id)).toContain('vso.rw_disjoint');
  });
});
