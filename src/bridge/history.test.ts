// History (src/engine/history) over the real language Session, through the bridge's adapter:
// for random frame and page-table scripts, seeking anywhere gives exactly the state of running
// that prefix fresh, and stepping back and forward round-trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { History } from '../engine/history';
import { Session } from '../lang';
import type { LineResult } from '../lang';
import { historySession } from './session';

const F = ['f1', 'f2', 'f3'];
const VA = ['0x400000', '0x401000', '0x600000'];

/** One line of a random frame/page-table script (many of them fail: errors are steps too). */
const line = fc.oneof(
  fc.constantFrom(
    'alloc',
    'alloc 2',
    'alloc unique',
    'vmspace as vs',
    'activate vs',
    'deactivate',
    'cpu 1',
    'cpu 0',
  ),
  fc.constantFrom(...F).map((f) => `alloc as ${f}`),
  fc.tuple(fc.constantFrom(...F), fc.constantFrom(...F)).map(([a, b]) => `clone ${a} as ${b}`),
  fc.constantFrom(...F, 's1', 'u1', 'vs').map((f) => `drop ${f}`),
  fc.constantFrom(...F).map((f) => `into_raw ${f}`),
  fc
    .tuple(fc.constantFrom(...F), fc.constantFrom(...F))
    .map(([a, b]) => `unsafe from_raw ${a} as ${b}`),
  fc
    .tuple(fc.constantFrom(...VA), fc.constantFrom(...F), fc.constantFrom('r', 'rw'))
    .map(([va, f, p]) => `map vs ${va} ${f} prop=${p}`),
  fc.constantFrom(...VA).map((va) => `mmap vs ${va}+8K`),
  fc.constantFrom(...VA).map((va) => `unmap vs ${va}+4K`),
  fc.constantFrom(...VA).map((va) => `read ${va} 4`),
  fc.constantFrom(...VA).map((va) => `write ${va} "hi"`),
  fc.constantFrom(...VA).map((va) => `protect vs ${va}+4K prop=r`),
  fc.constantFrom(
    'expect no violation',
    'expect violation acc.no_orphan',
    'expect ok',
    'expect clean',
    'note hi',
    '',
    '# c',
  ),
  fc.constantFrom('reset', 'machine mem=8M', 'frobnicate', 'check'),
);

const vtext = (s: Session): string => JSON.stringify(s.machine.violations);

/**
 * The state hash after each prefix of `lines`, run fresh (unchecked: the hash does not depend on
 * checking), and the printed result of each line.
 */
function freshRun(lines: string[]): { hash: string[]; text: string[] } {
  const s = new Session();
  s.machine.checking = 'off';
  const hash = [s.stateHash()];
  const text = [''];
  for (const l of lines) {
    const r = s.exec(l);
    s.machine.checking = 'off'; // `reset` gives the session a new machine
    hash.push(s.stateHash());
    text.push(`${r.ok} ${r.text}`);
  }
  return { hash, text };
}

/** The violations after the first k lines, run fresh and checked at the end (what a full run shows). */
function freshViolations(lines: string[], k: number): string {
  const s = new Session();
  for (const l of lines.slice(0, k)) {
    s.machine.checking = 'off';
    s.exec(l);
  }
  return JSON.stringify(s.machine.check());
}

function history(keyframeEvery?: number): { h: History<LineResult>; s: Session } {
  const s = new Session();
  return { h: new History(historySession(s), keyframeEvery ? { keyframeEvery } : {}), s };
}

// Every full check costs ~10 ms on this engine, so the runs are few and short.
const SLOW = 60_000;

describe('History over the language Session', () => {
  it(
    'with keyframes every few lines, seek(k) still gives exactly the state of a fresh run',
    () => {
      fc.assert(
        fc.property(
          fc.array(line, { maxLength: 40 }),
          fc.array(fc.nat(45), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 5 }),
          (lines, ks, every) => {
            const want = freshRun(lines);
            const { h, s } = history(every);
            h.load(lines);
            for (const k0 of ks) {
              const k = Math.min(k0, lines.length);
              h.seek(k);
              expect(h.position).toBe(k);
              expect(s.stateHash()).toBe(want.hash[k]);
              expect(vtext(s)).toBe(freshViolations(lines, k));
            }
            // stepping back one line at a time from wherever we are stays exact
            const k = h.position;
            if (k > 0) {
              h.back();
              expect(s.stateHash()).toBe(want.hash[k - 1]);
            }
          },
        ),
        { numRuns: 40 },
      );
    },
    SLOW,
  );

  it(
    'seek(k) gives exactly the state of running the first k lines fresh',
    () => {
      fc.assert(
        fc.property(
          fc.array(line, { maxLength: 40 }),
          fc.array(fc.nat(45), { minLength: 1, maxLength: 5 }),
          (lines, ks) => {
            const want = freshRun(lines);
            const { h, s } = history();
            h.load(lines, 0);
            for (const k0 of ks) {
              const k = Math.min(k0, lines.length);
              h.seek(k);
              expect(h.position).toBe(k);
              expect(s.stateHash()).toBe(want.hash[k]);
            }
            expect(vtext(s)).toBe(freshViolations(lines, h.position));
            // The next line then runs as it does fresh (same line number, same previous result).
            const k = h.position;
            if (k < lines.length && !/violation/.test(lines[k]!)) {
              h.forward();
              const r = h.result(k)!;
              expect(`${r.ok} ${r.text}`).toBe(want.text[k + 1]);
            }
          },
        ),
        { numRuns: 60 },
      );
    },
    SLOW,
  );

  it(
    'typed lines, then back and forward, round-trip',
    () => {
      fc.assert(
        fc.property(
          fc.array(line, { maxLength: 30 }),
          fc.array(fc.boolean(), { maxLength: 16 }),
          (lines, moves) => {
            const want = freshRun(lines);
            const { h, s } = history();
            for (const l of lines) h.exec(l);
            expect(s.stateHash()).toBe(want.hash[lines.length]);
            for (const back of moves) {
              if (back) h.back();
              else h.forward();
              expect(s.stateHash()).toBe(want.hash[h.position]);
            }
            expect(vtext(s)).toBe(freshViolations(lines, h.position));
          },
        ),
        { numRuns: 30 },
      );
    },
    SLOW,
  );

  it(
    'typing in the past truncates the future',
    () => {
      fc.assert(
        fc.property(
          fc.array(line, { minLength: 1, maxLength: 25 }),
          fc.nat(25),
          line,
          (lines, k0, extra) => {
            const k = Math.min(k0, lines.length);
            const { h, s } = history();
            h.load(lines);
            h.seek(k);
            h.exec(extra);
            const now = [...lines.slice(0, k), extra];
            expect(h.lines()).toEqual(now);
            expect(s.stateHash()).toBe(freshRun(now).hash[k + 1]);
          },
        ),
        { numRuns: 30 },
      );
    },
    SLOW,
  );

  it('an `expect violation` replayed unchecked is judged on exact violations', () => {
    const lines = [
      'alloc as f1',
      'into_raw f1',
      'unsafe from_raw f1 as f2',
      'unsafe from_raw f1 as f3',
      'note',
      'expect violation acc.refcount_exact',
      'alloc',
    ];
    const { h } = history();
    h.load(lines);
    expect(h.result(5)?.ok).toBe(true);
    h.seek(0);
    h.seek(7);
    expect(h.result(5)?.ok).toBe(true);
  });
});
