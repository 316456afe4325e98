// Raw PTE writes can give a user space a 2 MiB leaf, which no command makes: every path that meets
// one (cursors, short forms, the CPU, TLB flushes, drop VS) must still refuse cleanly and change
// nothing when it fails, and the incremental checker must agree with the whole one after each
// step — strict and `unsafe` alike.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Session } from '.';
import { inCanonicalOrder } from '../engine/invariants';

/** corrupt-huge-leaf.lab's start: L2 entry 0 of vs made a 2 MiB leaf over 0x400000 by raw bytes. */
const SETUP = [
  'machine mem=16M cpus=2',
  'vmspace as vs',
  'activate vs',
  'alloc as f',
  'map vs 0x10000 f',
  'alloc 441 as pad',
  'alloc as head',
  'map vs 0x12000 head',
  'unsafe frame 0x245000 as node',
  'writer node as w',
  'write w x"85 00 40 00 00 00 00 00"',
  'drop w',
];
const VAS = ['0x0', '0x1000', '0x10000', '0x1ff000', '0x200000', '0x12000'];
const LENS = ['4K', '8K', '2M', '0x3000'];
const line = fc.oneof(
  fc
    .tuple(fc.constantFrom(...VAS), fc.constantFrom(...LENS))
    .map(([v, l]) => `cursor_mut vs ${v}+${l} as c`),
  fc.constantFrom(
    'query c',
    'va c',
    'drop c',
    'flush c',
    'alloc as g',
    'map c g',
    'tlb flush all',
    'cpu 1',
    'cpu 0',
    'activate vs',
    'deactivate',
    'drop vs',
    'alloc 511 as tail',
    'drop tail',
    'drop pad',
    'unsafe drop node',
  ),
  fc
    .tuple(
      fc.constantFrom(...LENS),
      fc.constantFrom('unmap c', 'protect_next c', 'find_next c', 'unsafe take_next c'),
    )
    .map(([l, op]) => (op === 'protect_next c' ? `${op} ${l} prop=r` : `${op} ${l}`)),
  fc.constantFrom(...VAS).map((v) => `jump c ${v}`),
  fc.tuple(fc.constantFrom(...VAS), fc.constantFrom(...LENS)).map(([v, l]) => `unmap vs ${v}+${l}`),
  fc
    .tuple(fc.constantFrom(...VAS), fc.constantFrom(...LENS))
    .map(([v, l]) => `protect vs ${v}+${l} prop=r`),
  fc.tuple(fc.constantFrom(...VAS), fc.constantFrom(...LENS)).map(([v, l]) => `mmap vs ${v}+${l}`),
  // Raw bytes into the L2 node again: the table entry back (the leaf goes), or the leaf again.
  fc.constantFrom(
    'writer node as w; write w x"07 60 24 00 00 00 00 00"; drop w',
    'writer node as w; write w x"85 00 40 00 00 00 00 00"; drop w',
  ),
  fc.constantFrom(...VAS).map((v) => `read ${v} 8`),
  fc.constantFrom(...VAS).map((v) => `write ${v} "x"`),
  fc.constantFrom(...VAS).map((v) => `translate vs ${v}`),
);
it('a space with a huge user leaf: errors are atomic, incremental = full, nothing internal', () => {
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.boolean(), (lines, uns) => {
      const s = new Session();
      for (const l of SETUP) expect(s.exec(l).ok, l).toBe(true);
      for (const l0 of lines.flatMap((l) => l.split('; '))) {
        const l = uns && !l0.startsWith('unsafe') ? `unsafe ${l0}` : l0;
        const before = s.machine.stateHash();
        const r = s.exec(l);
        if (!r.ok) {
          expect(r.text, l).not.toMatch(/internal|TypeError|RangeError|undefined/i);
          expect(s.machine.stateHash(), `atomic: ${l}`).toBe(before);
        }
        expect(s.machine.violations, `after ${l}`).toEqual(inCanonicalOrder(s.machine.check()));
      }
    }),
    { numRuns: 150 },
  );
}, 600_000);
