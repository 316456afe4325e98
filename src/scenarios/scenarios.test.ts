// Runs every scenario file as a test, the way `pagelab check` does.
//
// - Every `*.lab` under src/scenarios/ (recursively) except must-fail/ must pass: no `expect` may
//   fail and no command error may go without a matching `expect error`.
// - Every file in src/scenarios/must-fail/ must FAIL. If it has a `# must-fail-because: TEXT` line,
//   one of its failures must mention TEXT, so that it fails for the reason it was written for.
// - The CLI's `check` is run over one passing and one must-fail file (exit status, summary line).
// - The public examples in shared/spec/examples/ run too, when that directory exists (see below).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../cli/main';
import { Session } from '../lang';
import { inCanonicalOrder } from '../engine/invariants';
import { holderNames } from '../engine/invariants/context';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const MUST_FAIL_DIR = join(HERE, 'must-fail');
const REPO = resolve(HERE, '../..');
/** The shared spec lives next to the repository (…/shared/spec beside …/main). */
const EXAMPLES_DIR = resolve(REPO, '../shared/spec/examples');

/** Every `.lab` file under `dir`, recursively, sorted, as absolute paths. */
function labFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...labFiles(p));
    else if (e.isFile() && e.name.endsWith('.lab')) out.push(p);
  }
  return out.sort();
}

/** Runs a scenario as `pagelab check` does and returns why it fails (empty: it passes). */
function failuresOf(file: string): string[] {
  const failures: string[] = [];
  new Session().runScript(readFileSync(file, 'utf8'), failures);
  return failures;
}

const isMustFail = (f: string): boolean => !relative(MUST_FAIL_DIR, f).startsWith('..');
const all = labFiles(HERE);
const passing = all.filter((f) => !isMustFail(f));
const mustFail = all.filter(isMustFail);
const name = (f: string): string => relative(HERE, f);
/** The public examples, when the shared spec is beside the repository. */
const examples = (): string[] =>
  existsSync(EXAMPLES_DIR)
    ? readdirSync(EXAMPLES_DIR)
        .filter((f) => f.endsWith('.lab'))
        .sort()
        .map((f) => join(EXAMPLES_DIR, f))
    : [];

describe('scenario files', () => {
  it('are found (a typo in the walk must not pass vacuously)', () => {
    expect(passing.filter((f) => name(f).startsWith('frames/')).length).toBeGreaterThanOrEqual(10);
    expect(mustFail.length).toBeGreaterThanOrEqual(3);
  });

  for (const file of all) {
    it(`${name(file)} starts with a \`#\` comment saying what it is about`, () => {
      const first = readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .find((l) => l.trim() !== '');
      expect(
        first?.trimStart().startsWith('#'),
        `${name(file)}: the first line should be a # comment`,
      ).toBe(true);
    });
  }
});

describe('scenarios that must pass', () => {
  for (const file of passing) {
    it(name(file), () => {
      const failures = failuresOf(file);
      expect(failures.length, `${name(file)} failed:\n  ${failures.join('\n  ')}`).toBe(0);
    });
  }
});

describe('scenarios that must fail (src/scenarios/must-fail)', () => {
  for (const file of mustFail) {
    it(name(file), () => {
      const failures = failuresOf(file);
      expect(failures.length, `${name(file)} passed, but it must fail`).toBeGreaterThan(0);
      const because = /^#\s*must-fail-because:\s*(.+?)\s*$/m.exec(readFileSync(file, 'utf8'))?.[1];
      if (because !== undefined)
        expect(
          failures.some((f) => f.includes(because)),
          `${name(file)} failed, but not because of "${because}":\n  ${failures.join('\n  ')}`,
        ).toBe(true);
    });
  }
});

// Incremental checking (the default) must say exactly what the full checker says, after every line
// of every scenario — the lessons and must-fail files included, which break every invariant.
describe('incremental checking agrees with the full checker', () => {
  const inOrder = (s: Session): unknown[] => inCanonicalOrder(s.machine.check());
  for (const file of [...all, ...examples()]) {
    it(name(file), () => {
      const s = new Session();
      let incremental = 0;
      let whole = 0;
      let m = s.machine;
      const count = (): void => {
        incremental += m.checkCounts.incremental;
        whole += m.checkCounts.whole;
      };
      const lines = readFileSync(file, 'utf8').split(/\r?\n/);
      lines.forEach((line, k) => {
        s.exec(line);
        if (s.machine !== m) {
          count(); // `reset` or `machine`: a new machine
          m = s.machine;
        }
        expect(m.checking).toBe('incremental');
        expect(m.violations, `after \`${line}\``).toEqual(inOrder(s));
        // What the frame inspector and `show` ask of the index: one frame's holders and leaves.
        if (k % 8 === 0 || k === lines.length - 1) {
          const whole = m.context();
          for (const p of whole.interesting) {
            const one = m.contextFor([p]);
            expect(holderNames(one, p), `holders of ${p} after \`${line}\``).toEqual(
              holderNames(whole, p),
            );
            expect(one.holders.mappings.get(p)).toEqual(whole.holders.mappings.get(p));
          }
        }
      });
      count();
      // The incremental path itself ran (a whole check only follows a tree corrupted so that a
      // node is reachable twice).
      expect(incremental, `${whole} whole checks`).toBeGreaterThan(whole);
    });
  }

  // Random programs from the scenarios' own command lines: states no single file reaches.
  const corpus = [
    ...new Set(
      all.flatMap((f) =>
        readFileSync(f, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.replace(/#.*$/, '').trim())
          .filter((l) => l && !/^(expect|note|ask|machine|reset)\b/.test(l)),
      ),
    ),
  ].sort();
  it(`random programs drawn from ${corpus.length} scenario lines`, () => {
    const runs = { incremental: 0, whole: 0 };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...corpus), { minLength: 5, maxLength: 60 }), (prog) => {
        const s = new Session();
        s.exec('machine mem=16M cpus=2');
        for (const line of prog) {
          s.exec(line);
          expect(s.machine.violations, `after \`${line}\` in\n${prog.join('\n')}`).toEqual(
            inOrder(s),
          );
        }
        runs.incremental += s.machine.checkCounts.incremental;
        runs.whole += s.machine.checkCounts.whole;
      }),
      { numRuns: 150 },
    );
    expect(runs.incremental).toBeGreaterThan(10 * runs.whole);
  });
});

describe('pagelab check (the CLI)', () => {
  const pass = join(HERE, 'frames/clone-drop.lab');
  const fail = join(MUST_FAIL_DIR, 'wrong-expectation.lab');

  function runCheck(files: string[], json = false): { status: number; lines: string[] } {
    const lines: string[] = [];
    const status = check(files, json, (s) => lines.push(...s.split('\n')));
    return { status, lines };
  }

  it('exits 0 and says "1 passed, 0 failed" for a passing scenario', () => {
    const { status, lines } = runCheck([pass]);
    expect(lines.at(-1)).toBe('1 passed, 0 failed');
    expect(lines).toContain(`PASS ${pass}`);
    expect(status).toBe(0);
  });

  it('exits non-zero and says "1 passed, 1 failed" for a passing and a must-fail scenario', () => {
    const { status, lines } = runCheck([pass, fail]);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    expect(lines).toContain(`FAIL ${fail}`);
    expect(lines.some((l) => l.includes('expect refcount page 3'))).toBe(true);
    expect(status).not.toBe(0);
  });

  it('counts every must-fail scenario as failed', () => {
    const { status, lines } = runCheck(mustFail);
    expect(lines.at(-1)).toBe(`0 passed, ${mustFail.length} failed`);
    expect(status).not.toBe(0);
  });

  it('with --json prints one JSON object per line, then the same summary', () => {
    const { status, lines } = runCheck([pass, fail], true);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    for (const l of lines.slice(0, -1)) expect(() => JSON.parse(l), l).not.toThrow();
    expect(status).not.toBe(0);
  });

  it('fails a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagelab-'));
    try {
      const ok = join(dir, 'ok.lab');
      writeFileSync(ok, '# fine\nalloc as f\ndrop f\nexpect clean\n');
      const { status, lines } = runCheck([ok, join(dir, 'missing.lab')]);
      expect(lines.at(-1)).toBe('1 passed, 1 failed');
      expect(status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The public examples of shared/spec/examples/ (only when that directory exists: it lives beside
// the repository, not in it). Every one of them must pass.
if (existsSync(EXAMPLES_DIR)) {
  describe('shared/spec/examples', () => {
    for (const base of readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.lab'))
      .sort()) {
      const file = join(EXAMPLES_DIR, base);
      it(base, () => {
        const failures = failuresOf(file);
        expect(failures.length, `${base} failed:\n  ${failures.join('\n  ')}`).toBe(0);
      });
    }
  });
}
