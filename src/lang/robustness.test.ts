// Bad input never crashes anything: random command lines built from the language's own words,
// numbers of every size and handle names (live, dead or unknown) never throw out of the Session,
// never hit an internal error, and a failed command changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_WORDS, Session } from '.';

const WORDS = [
  ...COMMAND_WORDS,
  'as',
  'zeroed',
  'coherent',
  'stream',
  'to_device',
  'from_device',
  'all',
  'pt',
  'frames',
  'ledger',
  'handles',
  'prop=rw',
  'prop=r',
  'cache=uc',
  'dir=both',
  'dir=to_device',
  'cpu=1',
];
const NAMES = ['a', 'b', 'vs', 'c', 'r', 'w', 'd', 'f1', 's1', 'zz'];
const NUMBERS = [
  '0',
  '1',
  '7',
  '4K',
  '0x1000',
  '0x10000',
  '0x2000',
  '2M',
  '0x7fff_ffff_f000',
  '0xffff_ffff_ffff_ffff',
  '0xffff_8000_0000_0000',
  '99999',
];

const token = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NUMBERS),
  fc
    .tuple(fc.constantFrom(...NUMBERS), fc.constantFrom('..', '+'), fc.constantFrom(...NUMBERS))
    .map((t) => t.join('')),
  fc.constantFrom('"hi"', 'x"de ad"', 'zeros 8', 'fill 255 4'),
);
/** Data literals of every size the language can spell, 2^64 − 1 bytes included. */
const data = fc.oneof(
  fc.constantFrom('"hi"', 'x"de ad"', '""'),
  fc.constantFrom(...NUMBERS).map((n) => `zeros ${n}`),
  fc.constantFrom(...NUMBERS).map((n) => `fill 7 ${n}`),
);
/** Expectations and data-carrying commands, well-formed but with any sizes and addresses. */
const shaped = fc.oneof(
  data.map((d) => `expect data ${d}`),
  fc
    .tuple(fc.constantFrom(...NAMES, ...NUMBERS), fc.constantFrom('0', '1', 'unused', 'unique'))
    .map(([h, n]) => `expect refcount ${h} ${n}`),
  fc
    .tuple(fc.constantFrom(...NUMBERS), fc.constantFrom('fault', ...NUMBERS))
    .map(([va, t]) => `expect translate vs ${va} ${t}`),
  fc.tuple(fc.constantFrom(...NUMBERS), data).map(([va, d]) => `write ${va} ${d}`),
  fc.tuple(fc.constantFrom('w', 'zz'), data).map(([w, d]) => `write ${w} ${d}`),
  fc
    .tuple(fc.constantFrom(...NUMBERS), fc.constantFrom(...NUMBERS))
    .map(([va, n]) => `read ${va} ${n}`),
  fc.constantFrom(...NUMBERS).map((n) => `read r ${n}`),
);
const line = fc.oneof(
  fc.array(token, { minLength: 1, maxLength: 6 }).map((t) => t.join(' ')),
  shaped,
);
const setup = [
  'machine mem=4M cpus=2 iommu=on',
  'vmspace as vs',
  'activate vs',
  'mmap vs 0x10000+16K',
  'alloc 2 as s1',
  'alloc as f1',
  'reader f1 as r',
  'alloc as wf',
  'writer wf as w',
  'read r 4',
];

describe('robustness', () => {
  it('random lines never crash, never hit an internal error, and failures change nothing', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 25 }), (lines) => {
        const s = new Session();
        for (const l of setup) s.exec(l);
        for (const l of lines) {
          const before = s.stateHash();
          const r = s.exec(l);
          expect(r.clause, `\`${l}\`: ${r.text}`).not.toBe('simulator');
          if (r.kind === 'op' && !r.ok && r.code !== 'PageFault')
            expect(s.stateHash(), `\`${l}\` failed but changed the state`).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });
});
