// Seeded exercises: a seed picks a small random machine state and a question about it; the answer
// is obtained by running the scenario on the simulator (never written by hand), so a teacher can
// hand the same problem to a class as `#x=KIND-SEED`.
import { rcText } from '../engine';
import { Session } from './session';

export type ExerciseKind = 'translate' | 'refcount' | 'rw';
export const EXERCISE_KINDS: ExerciseKind[] = ['translate', 'refcount', 'rw'];

export interface Exercise {
  kind: ExerciseKind;
  seed: number;
  /** The scenario that sets the problem up (shown to the learner). */
  script: string;
  question: string;
  /** Accepted answers, normalised (lowercase, no spaces or `_`). */
  answers: string[];
  /** The answer as shown after the reveal. */
  answer: string;
}

/** mulberry32: small, fast and deterministic across engines. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normaliseAnswer(s: string): string {
  return s.trim().toLowerCase().replace(/[\s_]/g, '');
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function run(lines: string[]): Session {
  const s = new Session();
  for (const l of lines) {
    const r = s.exec(l);
    if (r.kind === 'op' && !r.ok) throw new Error(`exercise setup failed at \`${l}\`: ${r.text}`);
  }
  return s;
}

function translateExercise(seed: number): Exercise {
  const rnd = prng(seed);
  const lines = ['machine mem=16M cpus=1', 'vmspace as vs', 'activate vs'];
  const pages = new Set<number>();
  while (pages.size < 4) pages.add(0x10 + Math.floor(rnd() * 0x400) * (rnd() < 0.3 ? 512 : 1));
  const mapped = [...pages];
  mapped.forEach((p, i) => {
    lines.push(`alloc as f${i + 1}`);
    lines.push(`map vs ${hex(p * 4096)} f${i + 1} prop=${rnd() < 0.5 ? 'rw' : 'r'}`);
  });
  const target =
    rnd() < 0.25
      ? mapped[0]! + 1 + Math.floor(rnd() * 3)
      : mapped[Math.floor(rnd() * mapped.length)]!;
  const off = Math.floor(rnd() * 4096) & ~7;
  const va = target * 4096 + off;
  const s = run(lines);
  const t = s.exec(`translate vs ${hex(va)}`).text;
  const m = /→ (0x[0-9a-f]+)/.exec(t);
  const answer = m ? m[1]! : 'fault';
  return {
    kind: 'translate',
    seed,
    script: lines.join('\n'),
    question: `After this scenario, which physical address does the walk of vs give for ${hex(va)}? (an address, or "fault")`,
    answers: [normaliseAnswer(answer)],
    answer: m ? `${answer} (${t})` : `fault (${t})`,
  };
}

function refcountExercise(seed: number): Exercise {
  const rnd = prng(seed);
  const lines = ['machine mem=16M cpus=1', 'vmspace as vs', 'alloc as page'];
  const live = ['page'];
  let clones = 0;
  let va = 0x10000;
  for (let k = 0; k < 6; k++) {
    const r = rnd();
    if (r < 0.35) {
      const name = `c${++clones}`;
      lines.push(`clone ${live[Math.floor(rnd() * live.length)]} as ${name}`);
      live.push(name);
    } else if (r < 0.6 && live.length > 1) {
      const name = live.splice(1 + Math.floor(rnd() * (live.length - 1)), 1)[0]!;
      lines.push(`map vs ${hex(va)} ${name} prop=r`);
      va += 0x1000;
    } else if (r < 0.8 && live.length > 1) {
      const name = live.splice(1 + Math.floor(rnd() * (live.length - 1)), 1)[0]!;
      lines.push(`drop ${name}`);
    } else {
      const name = `c${++clones}`;
      lines.push(`clone page as ${name}`, `into_raw ${name}`);
    }
  }
  const s = run(lines);
  const rc = s.machine.refcount(s.machine.resolvePaddr({ name: 'page' }));
  return {
    kind: 'refcount',
    seed,
    script: lines.join('\n'),
    question: 'What is the refcount of `page` at the end? (a number, UNUSED or UNIQUE)',
    answers: [normaliseAnswer(rcText(rc))],
    answer: `${rcText(rc)} (handles + mappings + segment covers + forgotten references)`,
  };
}

function rwExercise(seed: number): Exercise {
  const rnd = prng(seed);
  const lines = ['machine mem=16M cpus=1', 'vmspace as vs', 'activate vs', 'mmap vs 0x10000+64K'];
  const base = 0x10000;
  const span = (): [number, number] => {
    const s = base + Math.floor(rnd() * 12) * 0x1000;
    return [s, 0x1000 * (1 + Math.floor(rnd() * 3))];
  };
  let n = 0;
  for (let k = 0; k < 2; k++) {
    const [s, l] = span();
    const kind = rnd() < 0.5 ? 'reader' : 'writer';
    // Keep only owners strict mode accepts, so the setup itself is legal.
    if (run(lines).exec(`${kind} vs ${hex(s)} ${hex(l)} as x${n + 1}`).ok)
      lines.push(`${kind} vs ${hex(s)} ${hex(l)} as x${++n}`);
  }
  const [s, l] = span();
  const kind = rnd() < 0.5 ? 'reader' : 'writer';
  const cmd = `${kind} vs ${hex(s)} ${hex(l)}`;
  const r = run(lines).exec(cmd);
  const verdict = r.ok ? 'ok' : `error ${r.code}${r.clause !== undefined ? `(${r.clause})` : ''}`;
  return {
    kind: 'rw',
    seed,
    script: lines.join('\n'),
    question: `Will \`${cmd}\` be allowed in strict mode? ("ok" or "error")`,
    answers: [r.ok ? 'ok' : 'error'],
    answer: `${verdict}${r.ok ? '' : ': ' + r.text}`,
  };
}

export function makeExercise(kind: ExerciseKind, seed: number): Exercise {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new Error(`exercise seed ${seed} is not in 0..2^32-1`);
  if (kind === 'translate') return translateExercise(seed);
  if (kind === 'refcount') return refcountExercise(seed);
  return rwExercise(seed);
}

/** Is the learner's answer right? */
export function checkAnswer(ex: Exercise, given: string): boolean {
  return ex.answers.includes(normaliseAnswer(given));
}
