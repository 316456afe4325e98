import { describe, expect, it } from 'vitest';
import { EXERCISE_KINDS, Session, checkAnswer, makeExercise } from '.';

describe('seeded exercises', () => {
  it.each(EXERCISE_KINDS)('%s: the same seed gives the same problem and answer', (kind) => {
    for (const seed of [0, 1, 42, 2024, 0xffff_ffff])
      expect(makeExercise(kind, seed)).toEqual(makeExercise(kind, seed));
  });

  it.each(EXERCISE_KINDS)('%s: different seeds give different problems', (kind) => {
    const scripts = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map(
        (s) => makeExercise(kind, s).script + makeExercise(kind, s).question,
      ),
    );
    expect(scripts.size).toBeGreaterThan(4);
  });

  it('translate answers agree with running the scenario and checking with expect translate', () => {
    for (let seed = 0; seed < 30; seed++) {
      const ex = makeExercise('translate', seed);
      const va = /for (0x[0-9a-f]+)\?/.exec(ex.question)![1]!;
      const s = new Session();
      const failures: string[] = [];
      s.runScript(
        `${ex.script}\nexpect translate vs ${va} ${ex.answers[0] === 'fault' ? 'fault' : ex.answers[0]}`,
        failures,
      );
      expect(failures).toEqual([]);
      expect(checkAnswer(ex, ex.answers[0]!)).toBe(true);
      expect(checkAnswer(ex, '0x1')).toBe(false);
    }
  });

  it('refcount answers agree with expect refcount', () => {
    for (let seed = 0; seed < 30; seed++) {
      const ex = makeExercise('refcount', seed);
      const failures: string[] = [];
      new Session().runScript(`${ex.script}\nexpect refcount page ${ex.answers[0]}`, failures);
      expect(failures).toEqual([]);
    }
  });

  it('rw answers are what strict mode does, both outcomes occur', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const ex = makeExercise('rw', seed);
      seen.add(ex.answers[0]!);
      expect(checkAnswer(ex, ex.answers[0]!.toUpperCase())).toBe(true);
    }
    expect(seen).toEqual(new Set(['ok', 'error']));
  });

  it('refuses a bad seed', () => {
    expect(() => makeExercise('rw', -1)).toThrow(/seed/);
  });
});
