// The worker side of teaching: a lesson's prediction points (`ask`) and seeded exercises. The answer
// of a prediction is read from the `expect` lines after its command; an exercise's answer comes
// from src/lang/exercises.ts. Both are judged here, so the app never sees an answer before it asks.
import { ERROR_CODES } from '../engine';
import {
  CATALOGUE_IDS,
  EXERCISE_KINDS,
  checkAnswer,
  makeExercise,
  normaliseAnswer,
  parseLine,
  type Exercise,
  type ExerciseKind,
  type Expect,
  type Session,
  type Stmt,
} from '../lang';
import type { ExerciseInfo, Prediction, Verdict } from './api';

/** The script's lines as the host's History holds them. */
export interface Script {
  readonly length: number;
  source(i: number): string;
}

/** A line parsed (null: blank or a comment); a syntax error is a command too (it runs and fails). */
function stmt(source: string): Stmt | { kind: 'invalid' } | null {
  try {
    return parseLine(source);
  } catch {
    return { kind: 'invalid' };
  }
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** An answer as compared: normalised, and a hex number without leading zeros. */
function canon(s: string): string {
  const n = normaliseAnswer(s);
  const m = /^0x0*([0-9a-f]+)$/.exec(n);
  return m ? `0x${m[1]}` : n;
}

interface Asked {
  prediction: Prediction;
  /** The expect lines that answer it. */
  expects: { source: string; expect: Expect }[];
}

/** The `ask` line before `step`, its command and the `expect` lines after that (null: none). */
function asked(script: Script, step: number): Asked | null {
  const ask = step >= 1 && step <= script.length ? stmt(script.source(step - 1)) : null;
  if (ask?.kind !== 'ask') return null;
  let i = step;
  while (i < script.length && stmt(script.source(i)) === null) i++;
  const command = i < script.length ? stmt(script.source(i)) : null;
  if (command?.kind !== 'op' && command?.kind !== 'invalid') return null;
  const expects: Asked['expects'] = [];
  let reveal = i + 1;
  for (let j = i + 1; j < script.length; j++) {
    const s = stmt(script.source(j));
    if (s === null) continue;
    if (s.kind !== 'expect') break;
    expects.push({ source: script.source(j).trim(), expect: s.expect });
    reveal = j + 1;
  }
  if (expects.length === 0) return null;
  const form = formOf(expects.map((e) => e.expect));
  return {
    prediction: {
      step,
      question: ask.question,
      command: { step: i + 1, source: script.source(i).trim() },
      form,
      choices:
        form === 'outcome'
          ? ['ok', ...ERROR_CODES.map((c) => `error ${c}`)]
          : form === 'invariant'
            ? ['none', ...CATALOGUE_IDS]
            : [],
      revealStep: reveal,
    },
    expects,
  };
}

function formOf(es: Expect[]): Prediction['form'] {
  if (es.some((e) => e.what === 'violation')) return 'invariant';
  if (es.some((e) => e.what === 'error')) return 'outcome';
  if (es.some((e) => e.what === 'refcount' || e.what === 'translate' || e.what === 'data'))
    return 'value';
  if (es.some((e) => e.what === 'ok')) return 'outcome';
  return 'invariant';
}

/** The accepted answers to a prediction and the answer as shown, from its expect lines. */
function answersOf(a: Asked, session: Session): { answers: string[]; answer: string } {
  const es = a.expects.map((e) => e.expect);
  const violations = es.flatMap((e) => (e.what === 'violation' ? [e.id] : []));
  if (violations.length) return { answers: violations, answer: violations.join(', ') };
  const error = es.find((e) => e.what === 'error');
  if (error) {
    const codes = error.code ? [error.code] : [...ERROR_CODES];
    const clause = error.clause ? `(${error.clause})` : '';
    return {
      answers: codes.map((c) => `error ${c}`),
      answer: error.code ? `error ${error.code}${clause}` : 'an error',
    };
  }
  for (const e of es) {
    if (e.what === 'refcount') {
      const v = typeof e.value === 'bigint' ? e.value.toString() : e.value.toUpperCase();
      return { answers: [v], answer: v };
    }
    if (e.what === 'translate') {
      if (e.target === 'fault') return { answers: ['fault'], answer: 'fault' };
      if ('num' in e.target) return { answers: [hex(e.target.num)], answer: hex(e.target.num) };
      let pa: string | null = null;
      try {
        pa = hex(BigInt(session.machine.resolvePaddr(e.target)) * 4096n);
      } catch {
        // The name is not live yet: only the name is accepted.
      }
      return {
        answers: pa ? [pa, e.target.name] : [e.target.name],
        answer: pa ? `${pa} (${e.target.name})` : e.target.name,
      };
    }
    if (e.what === 'data') {
      const src = a.expects[es.indexOf(e)]!.source.replace(/^expect\s+data\s+/, '');
      return { answers: [src], answer: src };
    }
  }
  if (es.some((e) => e.what === 'ok')) return { answers: ['ok'], answer: 'ok' };
  return { answers: ['none'], answer: 'none (no invariant breaks)' };
}

export function predictionAt(script: Script, step: number): Prediction | null {
  return asked(script, step)?.prediction ?? null;
}

export function judgePrediction(
  script: Script,
  session: Session,
  step: number,
  given: string,
): Verdict | null {
  const a = asked(script, step);
  if (!a) return null;
  const { answers, answer } = answersOf(a, session);
  return { right: answers.map(canon).includes(canon(given)), answer };
}

export const exerciseKinds = (): string[] => [...EXERCISE_KINDS];

/** `KIND-SEED` → the exercise, or why the spec is not one. */
function parseExercise(spec: string): Exercise | string {
  const m = /^([a-z]+)-(\d{1,10})$/.exec(spec.trim());
  if (!m) return `“${spec}” is not KIND-SEED (e.g. translate-42)`;
  const kind = m[1] as ExerciseKind;
  if (!EXERCISE_KINDS.includes(kind))
    return `“${m[1]}” is not an exercise kind (one of: ${EXERCISE_KINDS.join(', ')})`;
  const seed = Number(m[2]);
  if (seed > 0xffff_ffff) return `the seed ${m[2]} is not in 0..4294967295`;
  return makeExercise(kind, seed);
}

export function exerciseInfo(spec: string): ExerciseInfo {
  try {
    const ex = parseExercise(spec);
    if (typeof ex === 'string') return { ok: false, error: ex };
    const { kind, seed, script, question } = ex;
    return { ok: true, id: `${kind}-${seed}`, kind, seed, script, question };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function judgeExercise(spec: string, given: string): Verdict | null {
  const ex = parseExercise(spec);
  if (typeof ex === 'string') return null;
  return { right: checkAnswer(ex, given), answer: ex.answer };
}
