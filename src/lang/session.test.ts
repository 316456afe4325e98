// What the language prints for a script (the lines `pagelab run` shows, the reasons `pagelab check`
// gives), as commands.md fixes them.
import { describe, expect, it } from 'vitest';
import { Session, formatResult } from './session';

function run(script: string): { lines: string[]; failures: string[] } {
  const failures: string[] = [];
  const lines = new Session()
    .runScript(script, failures)
    .filter((r) => r.kind !== 'blank')
    .map(formatResult);
  return { lines, failures };
}

describe('expect lines', () => {
  it("quote the expectation without the line's comment", () => {
    const { lines, failures } = run(
      [
        'alloc as a   # a frame',
        'expect refcount a 1   # one handle',
        'expect refcount a 2   # wrong on purpose',
        'drop zz   # no such handle',
      ].join('\n'),
    );
    expect(lines[1]).toBe('pass expect refcount a 1');
    expect(failures).toEqual([
      'line 3: `expect refcount a 2`: refcount of 0x302000 is 1, expected 2',
      'line 4: `drop zz` failed with error UnknownHandle: no handle named `zz` and no `expect error` follows it',
    ]);
  });
});

describe('check', () => {
  it('lists every invariant under a heading line that counts them', () => {
    const { lines } = run('machine mem=16M\ncheck\n');
    const out = lines[1]!.split('\n');
    expect(out[0]).toBe('ok 25 invariants: 25 pass');
    expect(out.slice(1)).toHaveLength(25);
    expect(out[1]).toBe('  pass  meta.refcount_band');
    expect(out.every((l, i) => i === 0 || l.startsWith('  pass  '))).toBe(true);
    const bad = run(
      'machine mem=16M\nalloc 2 as buf\nnext buf as head\ndrop head\nunsafe from_raw head as g\ncheck\n',
    ).lines[5]!.split('\n');
    expect(bad[0]).toBe('ok 25 invariants: 24 pass, 1 FAIL');
    expect(bad).toContainEqual(expect.stringMatching(/^ {2}FAIL {2}acc\.no_dangling: /));
  });
});
