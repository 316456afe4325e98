// Violations blame handle names only (the UI selects what they name): a mapping is blamed as its
// VmSpace, never as `vs@0x…`, and a forgotten reference, which no handle holds, not at all.
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../../lang';

function blamed(lines: string[], id: string): string[] {
  const s = new Session();
  for (const l of lines) s.exec(l);
  const v = s.machine.violations.find((x) => x.id === id);
  expect(v, `${id} after\n${lines.join('\n')}`).toBeDefined();
  // The full checker blames the same.
  expect(s.machine.check().find((x) => x.id === id)?.handles).toEqual(v!.handles);
  return v!.handles;
}

describe('blamed entities', () => {
  const mappedThenFreed = [
    'machine mem=16M',
    'vmspace as vs',
    'alloc as h',
    'map vs 0x20000 h',
    'unsafe from_raw h as x',
    'unsafe drop x',
  ];

  it('a mapping of a free frame blames its space (meta.unused_empty, acc.no_dangling)', () => {
    expect(blamed(mappedThenFreed, 'meta.unused_empty')).toEqual(['vs']);
    expect(blamed(mappedThenFreed, 'acc.no_dangling')).toEqual(['vs']);
  });

  it('a unique frame that is mapped blames the handle and the space', () => {
    const lines = [...mappedThenFreed, 'alloc unique as u'];
    expect(blamed(lines, 'meta.unique_unmapped')).toEqual(['u', 'vs']);
    expect(blamed(lines, 'acc.refcount_exact')).toEqual(['u', 'vs']);
  });

  it('an extra handle of a mapped frame blames it and the space (acc.refcount_exact)', () => {
    expect(blamed(mappedThenFreed.slice(0, 5), 'acc.refcount_exact')).toEqual(['x', 'vs']);
  });

  it('a forgotten reference to a free frame blames no handle (acc.no_dangling)', () => {
    const lines = [
      'machine mem=16M',
      'alloc as f',
      'unsafe from_raw f as g',
      'into_raw f',
      'drop g',
    ];
    expect(blamed(lines, 'acc.no_dangling')).toEqual([]);
  });

  it('a kernel reader over a freed frame is blamed (acc.no_dangling)', () => {
    const lines = ['machine mem=16M', 'alloc as f', 'reader f as r', 'unsafe drop f'];
    expect(blamed(lines, 'acc.no_dangling')).toEqual(['r']);
  });

  it('messages name the mappings and count in the singular when one', () => {
    const s = new Session();
    for (const l of mappedThenFreed.slice(0, 5)) s.exec(l);
    expect(s.machine.violations.find((v) => v.id === 'acc.refcount_exact')?.message).toContain(
      '2 references hold it (1 handle, 1 mapping: x, vs@0x20000)',
    );
    s.exec('unsafe drop x');
    expect(s.machine.violations.find((v) => v.id === 'meta.unused_empty')?.message).toBe(
      'frame 0x243000 is UNUSED (free) but is still referenced by 1 page-table entry (vs@0x20000)',
    );
  });
});
