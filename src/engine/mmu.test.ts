// The walk memo must be invisible: after any sequence of maps, unmaps, empty nodes made by a
// cursor, raw PTE damage and rollbacks, Mmu.walk and Mmu.translate answer exactly what a fresh
// full walk answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../lang';
import type { VmSpaceHandle } from './state';
import { indexAt, walkInto, type LeafRef } from './page_table/node';
import { PTE_USER, ptePaddr } from './arch';

const blank = (): LeafRef => ({ level: 0, node: 0, idx: 0, lo: 0, hi: 0 });

/** Pages probed: inside and around the mapped regions, across 2 MiB and 1 GiB boundaries. */
const PROBES = [0, 1, 511, 512, 513, 1023, 1024, 0x3ffff, 0x40000, 0x40001, 0x8000000 - 1];

const cmd = fc.oneof(
  fc
    .tuple(fc.constantFrom(...PROBES), fc.integer({ min: 1, max: 600 }))
    .map(([p, n]) => `mmap vs 0x${(p * 4096).toString(16)}+0x${(n * 4096).toString(16)}`),
  fc
    .tuple(fc.constantFrom(...PROBES), fc.integer({ min: 1, max: 1200 }))
    .map(([p, n]) => `unmap vs 0x${(p * 4096).toString(16)}+0x${(n * 4096).toString(16)}`),
  // A raw write cutting the entry for page p at level 2..4 (as an `unsafe` writer into a node does).
  fc
    .tuple(fc.constantFrom(...PROBES), fc.integer({ min: 2, max: 4 }))
    .map(([p, l]) => `damage ${p} ${l}`),
  // A cursor over one page creates the nodes down to level 1 and leaves them empty (never written).
  fc.constantFrom(...PROBES).map((p) => `cursor_mut vs 0x${(p * 4096).toString(16)}+0x1000 as c`),
  fc.constant('undo'),
  fc.constant('back'),
  fc.constant('mark'),
);

describe('Mmu.walk (the memoised MMU walk)', () => {
  it('always agrees with a full walk, through maps, unmaps and rollbacks', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 25 }), (cmds) => {
        const s = new Session();
        for (const l of ['vmspace as vs', 'activate vs']) expect(s.exec(l).ok).toBe(true);
        const m = s.machine;
        const root = (m.ghost.handles.get('vs') as VmSpaceHandle).root;
        let image = m.image();
        const a = blank();
        const b = blank();
        const compare = (): void => {
          for (const p of PROBES)
            for (const d of [0, 1, 2]) {
              const vpn = p + d;
              const x = m.mmu.walk(root, vpn, a);
              const y = walkInto(m.mem, root, vpn, b);
              expect({ ...a, found: x }).toEqual({ ...b, found: y });
              // The MMU's own miss path reads the leaf through the memo's pool page: with the
              // TLB emptied first (outside the journal: the test's probes are not steps).
              m.mem.setJournaling(false);
              m.tlb.flush(0, { kind: 'all' }, true);
              const pfn = y && b.lo & PTE_USER ? ptePaddr(b.lo, b.hi) / 4096 : -1;
              expect(m.mmu.translate(0, root, vpn, false)).toBe(pfn);
              m.mem.setJournaling(true);
            }
        };
        compare(); // warm the memo
        let last: ReturnType<Session['takeDelta']>;
        for (const c of cmds) {
          if (c === 'undo') {
            m.restoreImage(image);
            last = undefined;
          } else if (c === 'mark') image = m.image();
          else if (c.startsWith('damage')) {
            const [, p, l] = c.split(' ').map(Number) as [number, number, number];
            let node = root;
            for (let level = 4; level > l; level--) {
              const lo = m.mem.readWord(node, indexAt(p, level) * 8);
              if (!(lo & 1) || lo & 0x80) break;
              node = ptePaddr(lo, m.mem.readWord(node, indexAt(p, level) * 8 + 4)) / 4096;
            }
            m.mem.writeWord(node, indexAt(p, l) * 8, 0);
            last = undefined;
          } else if (c === 'back') {
            // One step back by its reverse delta (the journal replayed backwards).
            if (last) m.undo(last);
            last = undefined;
          } else {
            s.exec(c);
            if (c.startsWith('cursor_mut')) s.exec('drop c');
            last = s.takeDelta();
          }
          compare();
        }
      }),
      { numRuns: 60 },
    );
  });
});
