// The big promises, tested on random programs: vostd's trace theorem (every sequence of accepted
// strict commands keeps every invariant), atomic errors, deterministic replay, exact undo.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Session, parseLine } from '.';

const names = ['a', 'b', 'c', 'd', 'e', 'g'];
const n = fc.constantFrom(...names);
const frameCmd = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), n, fc.boolean())
    .map(([k, x, z]) => `alloc ${k}${z ? ' zeroed' : ''} as ${x}`),
  n.map((x) => `alloc unique as ${x}`),
  fc.tuple(n, n).map(([x, y]) => `clone ${x} as ${y}`),
  n.map((x) => `drop ${x}`),
  n.map((x) => `into_raw ${x}`),
  fc.tuple(n, n).map(([x, y]) => `from_raw ${x} as ${y}`),
  fc
    .tuple(n, fc.integer({ min: 1, max: 3 }), n)
    .map(([x, k, y]) => `from_raw ${x}+${k * 4}K as ${y}`),
  fc
    .tuple(n, fc.integer({ min: 0, max: 4 }), n, n)
    .map(([x, k, y, z]) => `split ${x} ${k * 4096} as ${y} ${z}`),
  fc
    .tuple(n, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), n)
    .map(([x, s, l, y]) => `slice ${x} ${s * 4096}+${l * 4096} as ${y}`),
  fc.tuple(n, n).map(([x, y]) => `next ${x} as ${y}`),
  fc.tuple(n, n).map(([x, y]) => `share ${x} as ${y}`),
  fc.tuple(n, n).map(([x, y]) => `unique ${x} as ${y}`),
  fc.tuple(n, n).map(([x, y]) => `frame ${x} as ${y}`),
  fc.integer({ min: 0, max: 1100 }).map((p) => `frame ${p * 4096}`),
);
const program = fc.array(frameCmd, { minLength: 1, maxLength: 40 });
const unsafeProgram = fc.array(
  fc.tuple(fc.boolean(), frameCmd).map(([u, c]) => (u ? `unsafe ${c}` : c)),
  { minLength: 1, maxLength: 40 },
);

function fresh(): Session {
  const s = new Session();
  s.exec('machine mem=4M');
  return s;
}

describe('properties of the frame model', () => {
  it('every accepted strict command keeps every invariant', () => {
    fc.assert(
      fc.property(program, (cmds) => {
        const s = fresh();
        for (const c of cmds) {
          const r = s.exec(c);
          if (r.ok)
            expect(s.machine.violations, `after \`${c}\` in\n${cmds.join('\n')}`).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a command that errors changes nothing (state hash unchanged)', () => {
    fc.assert(
      fc.property(unsafeProgram, (cmds) => {
        const s = fresh();
        for (const c of cmds) {
          const before = s.stateHash();
          const r = s.exec(c);
          if (!r.ok) expect(s.stateHash(), `\`${c}\` failed but changed the state`).toBe(before);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('replaying a script gives the same state hash, step by step', () => {
    fc.assert(
      fc.property(unsafeProgram, (cmds) => {
        const a = fresh();
        const b = fresh();
        for (const c of cmds) {
          a.exec(c);
          b.exec(c);
          expect(a.stateHash()).toBe(b.stateHash());
        }
      }),
      { numRuns: 100 },
    );
  });

  it('undoing a step with its reverse delta restores the exact earlier state', () => {
    fc.assert(
      fc.property(unsafeProgram, (cmds) => {
        const s = fresh();
        for (const c of cmds) {
          const stmt = parseLine(c);
          if (!stmt || stmt.kind !== 'op') continue;
          const before = s.machine.stateHash();
          const res = s.machine.step({ op: stmt.op, unsafe: stmt.unsafe, text: c });
          if (!res.ok || res.delta?.kind !== 'mem') continue;
          const after = s.machine.stateHash();
          s.machine.undo(res.delta);
          expect(s.machine.stateHash(), `undo of \`${c}\``).toBe(before);
          s.machine.step({ op: stmt.op, unsafe: stmt.unsafe, text: c });
          expect(s.machine.stateHash(), `redo of \`${c}\``).toBe(after);
        }
      }),
      { numRuns: 100 },
    );
  });
});
