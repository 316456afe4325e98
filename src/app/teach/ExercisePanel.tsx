// The exercise panel: a seeded exercise made in the worker (src/lang/exercises.ts), its script
// loaded into the machine so the views show it, its question, an answer judged by the simulator,
// and the `#x=KIND-SEED` link that hands the same problem to a class.
import { useEffect, useState } from 'react';
import type { Verdict } from '../../bridge/api';
import type { Sim } from '../sim';
import { useSession } from '../store/session';

const randomSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!;

export function ExercisePanel({ sim }: { sim: Sim }) {
  const ex = useSession((s) => s.exercise);
  const [kinds, setKinds] = useState<string[]>([]);
  const [kind, setKind] = useState('translate');
  const [given, setGiven] = useState('');
  const [judged, setJudged] = useState<(Verdict & { id: string; given: string }) | null>(null);
  useEffect(() => {
    void sim.exerciseKinds().then(setKinds);
  }, [sim]);
  if (ex === undefined) return null;
  const id = ex?.ok ? ex.id : null;
  const link = id ? `${location.origin}${location.pathname}#x=${id}` : '';
  const verdict = judged && judged.id === id ? judged : null;

  return (
    <section className="teach-bar exercise" aria-label="Exercise" data-testid="exercise">
      <p className="teach-head">
        <strong>Exercise{id ? ` ${id}` : 's'}</strong>{' '}
        <span className="muted">
          A seeded problem: the same link gives everyone the same machine and question.
        </span>
      </p>
      {ex && !ex.ok && (
        <p className="bad" role="alert" data-testid="exercise-error">
          That exercise cannot be opened: {ex.error}.
        </p>
      )}
      {ex?.ok && (
        <>
          <p data-testid="exercise-question">
            {ex.question}{' '}
            <span className="muted">(its script is in the terminal and the views)</span>
          </p>
          <form
            className="row"
            onSubmit={async (e) => {
              e.preventDefault();
              const v = await sim.judge({ exercise: ex.id }, given);
              if (v) setJudged({ ...v, id: ex.id, given });
            }}
          >
            <input
              value={given}
              onChange={(e) => setGiven(e.target.value)}
              aria-label="Your answer"
              data-testid="exercise-answer"
              spellCheck={false}
            />
            <button type="submit" disabled={!given.trim()} data-testid="exercise-check">
              Check
            </button>
          </form>
          {verdict && (
            <p
              className={`verdict ${verdict.right ? 'ok' : 'bad'}`}
              role="status"
              data-testid="exercise-verdict"
              data-right={verdict.right}
            >
              {verdict.right ? '✓ Right' : '✗ Not quite'}: you said <code>{verdict.given}</code>;
              the simulator says <strong>{verdict.answer}</strong>.
            </p>
          )}
          <label className="row">
            Link for a class:{' '}
            <input
              readOnly
              value={link}
              data-testid="exercise-link"
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
        </>
      )}
      <div className="row">
        <label>
          Kind{' '}
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value)}
            data-testid="exercise-kind"
          >
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          data-testid="exercise-new"
          onClick={() => {
            setGiven('');
            void sim.openExercise(`${kind}-${randomSeed()}`);
          }}
        >
          New exercise
        </button>
        <button type="button" onClick={() => useSession.setState({ exercise: undefined })}>
          Close
        </button>
      </div>
    </section>
  );
}
