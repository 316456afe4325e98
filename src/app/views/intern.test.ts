import { describe, expect, it } from 'vitest';
import { createSimApi } from '../../bridge/host';
import { snapshotOf } from '../../bridge/testing';
import { FrameReader } from '../../bridge/shared_layout';
import { intern, nodePages, SnapshotKeeper } from './intern';

describe('intern', () => {
  it('gives back the previous value when equal, part by part otherwise', () => {
    const a = { x: [1, 2], y: { z: new Float64Array([1, 2]) }, w: 'k' };
    const same = { x: [1, 2], y: { z: new Float64Array([1, 2]) }, w: 'k' };
    expect(intern(a, same)).toBe(a);
    const changed = { x: [1, 3], y: { z: new Float64Array([1, 2]) }, w: 'k' };
    const out = intern(a, changed);
    expect(out).not.toBe(a);
    expect(out).toEqual(changed);
    expect(out.y).toBe(a.y);
    expect(out.x).not.toBe(a.x);
  });

  it('tells apart what differs only in kind, length, keys or element type', () => {
    expect(intern([1, 2], [1, 2, 3])).toEqual([1, 2, 3]);
    expect(intern({ a: 1 }, { a: 1, b: undefined })).toHaveProperty('b');
    const fewer = intern({ a: [1], b: 2 }, { a: [1] });
    expect(fewer).toEqual({ a: [1] });
    expect(Object.keys(fewer)).toEqual(['a']);
    const order = intern({ a: 1, b: [2], c: 3 }, { a: 1, b: [2], c: 4 });
    expect(Object.keys(order)).toEqual(['a', 'b', 'c']);
    expect(order).toEqual({ a: 1, b: [2], c: 4 });
    const f = new Float64Array([1]);
    expect(intern(new Int32Array([1]), f)).toBe(f);
    const o = { a: 1 };
    expect(intern(null, o)).toBe(o);
    expect(intern([o], { 0: o })).not.toBeInstanceOf(Array);
  });

  it('compares Sets and Maps by content, buffers by identity', () => {
    const s = new Set(['a']);
    expect(intern(s, new Set(['a']))).toBe(s);
    expect(intern(s, new Set(['b']))).not.toBe(s);
    const m = new Map([['k', [[1, 2]]]]);
    expect(intern(m, new Map([['k', [[1, 2]]]]))).toBe(m);
    const m2 = intern(m, new Map([['k', [[1, 3]]]]));
    expect(m2).not.toBe(m);
    expect(m2.get('k')).toEqual([[1, 3]]);
    const b = new SharedArrayBuffer(4);
    const b2 = new SharedArrayBuffer(4);
    expect(intern({ b }, { b: b2 }).b).toBe(b2);
  });
});

describe('SnapshotKeeper', () => {
  const base = ['machine mem=16M cpus=2', 'alloc as a', 'vmspace as vs', 'mmap vs 0x400000+8K'];

  it('keeps every part a command did not change, and copies the shared class bytes', () => {
    const k = new SnapshotKeeper();
    const one = snapshotOf(base).snapshot;
    const s1 = k.keep(one);
    expect(k.keep(one)).toBe(s1);
    expect(s1.shared.classes).not.toBe(one.shared.classes);
    expect(new Uint8Array(s1.shared.classes)).toEqual(new Uint8Array(one.shared.classes));
    // The same machine again: only the sequence number differs.
    const s2 = k.keep(snapshotOf(base).snapshot);
    expect(s2).not.toBe(s1);
    for (const key of ['spaces', 'handles', 'invariants', 'counts', 'last', 'tlb', 'dma'] as const)
      expect(s2[key]).toBe(s1[key]);
    expect(s2.shared.classes).toBe(s1.shared.classes);
    expect(s2.shared.tlb).toBe(s1.shared.tlb);
  });

  it('gives new parts where the machine changed', () => {
    const k = new SnapshotKeeper();
    const s1 = k.keep(snapshotOf(base).snapshot);
    const s2 = k.keep(
      snapshotOf([...base, 'alloc as b', 'activate vs', 'read 0x400000 1']).snapshot,
    );
    expect(s2.handles).not.toBe(s1.handles);
    expect(s2.handles[0]).toBe(s1.handles[0]);
    expect(s2.shared.classes).not.toBe(s1.shared.classes);
    expect(s2.shared.tlb.flags).not.toBe(s1.shared.tlb.flags);
    expect(s2.invariants).toBe(s1.invariants);
  });

  it('copies each space’s page-table nodes, kept while no PTE in them changes', () => {
    const k = new SnapshotKeeper();
    const one = snapshotOf([...base, 'activate vs']).snapshot;
    const s1 = k.keep(one);
    const p1 = nodePages(s1, 'vs')!;
    const live = new FrameReader(one.shared.pageSlot, one.shared.pool);
    const tree = s1.spaces.find((x) => x.id === 'vs')!.tree;
    for (let i = 0; i < tree.count; i++)
      for (let e = 0; e < 512; e++) {
        expect(p1.pteLo(tree.pfn[i]!, e)).toBe(live.pteLo(tree.pfn[i]!, e));
        expect(p1.pteHi(tree.pfn[i]!, e)).toBe(live.pteHi(tree.pfn[i]!, e));
      }
    expect(nodePages(k.keep(snapshotOf([...base, 'activate vs']).snapshot), 'vs')).toBe(p1);
    // A read sets the leaf's accessed bit: the same skeleton, other contents.
    const s3 = k.keep(snapshotOf([...base, 'activate vs', 'read 0x400000 1']).snapshot);
    expect(s3.spaces.find((x) => x.id === 'vs')!.tree).toBe(tree);
    expect(nodePages(s3, 'vs')).not.toBe(p1);
    expect(nodePages(snapshotOf(base).snapshot, 'vs')).toBeNull();
  });

  it('keeps the objects of the buffers read live while the worker names the same memory', async () => {
    const api = createSimApi();
    // As postMessage does: new SharedArrayBuffer objects for the same memory, every time.
    const next = async (line: string) =>
      structuredClone((await api.exec(line, { snapshot: true })).snapshot!);
    const k = new SnapshotKeeper();
    const s1 = k.keep(await next('machine mem=16M'));
    const s2 = k.keep(await next('alloc as a'));
    expect(s2.shared.meta).toBe(s1.shared.meta);
    expect(s2.shared.pageSlot).toBe(s1.shared.pageSlot);
    expect(s2.shared.pool).toBe(s1.shared.pool);
    expect(k.keep(await next('expect no violation')).shared).toBe(s2.shared);
    // A new machine has new memory.
    const s3 = k.keep(await next('reset'));
    expect(s3.shared.memory).not.toBe(s1.shared.memory);
    expect(s3.shared.meta).not.toBe(s1.shared.meta);
  });

  it('keeps a space’s node copy while its nodes’ versions stay the same', async () => {
    const api = createSimApi();
    const next = async (line: string) =>
      structuredClone((await api.exec(line, { snapshot: true })).snapshot!);
    const k = new SnapshotKeeper();
    for (const l of ['machine mem=16M', 'vmspace as vs', 'mmap vs 0x400000+8K', 'activate vs'])
      k.keep(await next(l));
    const p1 = nodePages(k.keep(await next('expect no violation')), 'vs')!;
    expect(nodePages(k.keep(await next('alloc as a')), 'vs')).toBe(p1);
    // A read sets the leaf's accessed bit: a new copy, equal to the memory.
    const s3 = k.keep(await next('read 0x400000 1'));
    const p3 = nodePages(s3, 'vs')!;
    expect(p3).not.toBe(p1);
    const live = new FrameReader(s3.shared.pageSlot, s3.shared.pool);
    const tree = s3.spaces.find((x) => x.id === 'vs')!.tree;
    for (let i = 0; i < tree.count; i++)
      for (let e = 0; e < 512; e++)
        expect(p3.pteLo(tree.pfn[i]!, e)).toBe(live.pteLo(tree.pfn[i]!, e));
  });
});
