// cloneGhost is written out by hand for speed: it must copy every field, deeply, for every kind
// of handle (a field it missed would leak a later step's change into an earlier step's undo).
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../lang';
import { cloneGhost } from './state';

const SCRIPT = [
  'machine mem=16M cpus=2',
  'alloc as f',
  'alloc 3 as seg',
  'alloc as u',
  'unique u2',
  'vmspace as vs',
  'mmap vs 0x10000+8K',
  'activate vs',
  'cursor_mut vs 0x200000+4K as c',
  'writer vs 0x10ff8 16 as w',
  'alloc zeroed as page',
  'dma stream page dir=both as d',
  'device write d 0 "abc"',
  'alloc as gone',
  'drop gone',
  'alloc as lost',
  'into_raw lost',
];

describe('cloneGhost', () => {
  it('copies a ghost with every kind of handle deeply: equal, and sharing nothing mutable', () => {
    const s = new Session();
    for (const l of SCRIPT) s.exec(l);
    const g = s.machine.ghost;
    const kinds = new Set([...g.handles.values()].map((h) => h.kind));
    for (const k of ['frame', 'segment', 'vmspace', 'cursor', 'writer', 'dma'])
      expect(kinds, `the script makes a ${k}`).toContain(k);
    expect(g.gone.size + g.forgotten.size).toBeGreaterThan(0);

    const c = cloneGhost(g);
    expect(c).toEqual(structuredClone(g));
    // Nothing reachable from the copy is an object of the original.
    const objects = new Set<unknown>();
    const collect = (x: unknown): void => {
      if (x === null || typeof x !== 'object' || objects.has(x)) return;
      objects.add(x);
      const values = x instanceof Map ? [...x.values()] : Object.values(x as object);
      for (const v of values) collect(v);
    };
    collect(g);
    const shared: unknown[] = [];
    const visit = (x: unknown, seen: Set<unknown>): void => {
      if (x === null || typeof x !== 'object' || seen.has(x)) return;
      seen.add(x);
      if (objects.has(x)) shared.push(x);
      const values = x instanceof Map ? [...x.values()] : Object.values(x as object);
      for (const v of values) visit(v, seen);
    };
    visit(c, new Set());
    expect(shared).toEqual([]);
  });
});
