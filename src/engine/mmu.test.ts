// The walk memo must be invisible: after any sequence of maps, unmaps, unsafe PTE damage and
// rollbacks, Mmu.walk answers exactly what a fresh full walk answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../lang';
import type { VmSpaceHandle } from './state';
import { walkInto, type LeafRef } from './page_table/node';

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
            }
        };
        compare(); // warm the memo
        let last: ReturnType<Session['takeDelta']>;
        for (const c of cmds) {
          if (c === 'undo') {
            m.restoreImage(image);
            last = undefined;
          } else if (c === 'mark') image = m.image();
          else if (c === 'back') {
            // One step back by its reverse delta (the journal replayed backwards).
            if (last) m.undo(last);
            last = undefined;
          } else {
            s.exec(c);
            last = s.takeDelta();
          }
          compare();
        }
      }),
      { numRuns: 60 },
    );
  });
});
