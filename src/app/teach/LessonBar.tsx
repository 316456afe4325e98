// The lesson player's bar: which lesson, how far, the score, and at an `ask` step the prediction
// form. The learner answers first; then the command and its `expect` lines run (the reveal), and
// the answer is judged by the worker and scored in the lesson's progress.
import { useEffect, useMemo, useState } from 'react';
import type { Prediction, Verdict } from '../../bridge/api';
import { lessonTitled } from '../gallery';
import type { Sim } from '../sim';
import { useProgress } from '../store/progress';
import { useSession } from '../store/session';

interface Judged extends Verdict {
  step: number;
  given: string;
  command: string;
}

const PROMPT: Record<Prediction['form'], string> = {
  outcome: 'Will it succeed, or which error?',
  invariant: 'Which invariant breaks (if any)?',
  value: 'Your answer (an address, a refcount…):',
};

function PredictForm({ p, onAnswer }: { p: Prediction; onAnswer: (given: string) => void }) {
  const [given, setGiven] = useState('');
  return (
    <form
      className="predict"
      data-testid="predict-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (given.trim()) onAnswer(given.trim());
      }}
    >
      <p>
        <strong>Predict:</strong> {p.question} <span className="muted">(then</span>{' '}
        <code>{p.command.source}</code> <span className="muted">runs)</span>
      </p>
      <label>
        {PROMPT[p.form]}{' '}
        {p.choices.length ? (
          <select
            value={given}
            onChange={(e) => setGiven(e.target.value)}
            data-testid="predict-answer"
          >
            <option value="">choose…</option>
            {p.choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input
            value={given}
            onChange={(e) => setGiven(e.target.value)}
            data-testid="predict-answer"
            spellCheck={false}
          />
        )}
      </label>{' '}
      <button type="submit" disabled={!given.trim()} data-testid="predict-submit">
        Answer and run
      </button>
    </form>
  );
}

/** Records how far the learner got in a lesson (rendered only while one is open). */
function LessonReach({ id }: { id: string }) {
  const step = useSession((s) => s.status?.step);
  const length = useSession((s) => s.status?.length);
  useEffect(() => {
    if (step !== undefined && length !== undefined)
      useProgress.getState().reached(id, step, length);
  }, [id, step, length]);
  return null;
}

// Subscribed to the title and the ask step only: a command outside a lesson does not render it.
export function LessonBar({ sim }: { sim: Sim }) {
  const title = useSession((s) => s.title);
  const lesson = useMemo(() => lessonTitled(title), [title]);
  const progress = useProgress((s) => (lesson ? s.lessons[lesson.id] : undefined));
  const [asked, setAsked] = useState<{ step: number; p: Prediction | null } | null>(null);
  const [judged, setJudged] = useState<Judged | null>(null);
  const askStep = useSession((s) =>
    s.status?.current?.kind === 'ask' ? s.status.current.step : null,
  );

  useEffect(() => {
    if (askStep === null) return;
    let live = true;
    void sim.prediction(askStep).then((p) => live && setAsked({ step: askStep, p }));
    return () => {
      live = false;
    };
  }, [askStep, sim]);

  const prediction = asked && asked.step === askStep ? asked.p : null;
  if (!lesson && !prediction && !judged) return null;

  const answer = async (p: Prediction, given: string) => {
    const v = await sim.judge({ ask: p.step }, given);
    if (!v) return;
    await sim.seek(p.revealStep);
    setJudged({ ...v, step: p.step, given, command: p.command.source });
    if (lesson) useProgress.getState().answered(lesson.id, p.step, v.right);
  };

  return (
    <section className="teach-bar" aria-label="Lesson" data-testid="lesson-bar">
      {lesson && <LessonReach id={lesson.id} />}
      {lesson && (
        <p className="teach-head">
          <strong>{lesson.title}</strong>{' '}
          <span className="muted" data-testid="lesson-score">
            {progress?.right.length ?? 0} of {lesson.asks} predictions right
            {progress?.wrong.length ? `, ${progress.wrong.length} wrong` : ''}
          </span>{' '}
          <span className="muted">
            — step with ◀ ▶ below (or ← →); notes appear in the terminal.
          </span>
        </p>
      )}
      {prediction ? (
        <PredictForm
          key={prediction.step}
          p={prediction}
          onAnswer={(g) => void answer(prediction, g)}
        />
      ) : (
        judged && (
          <p
            className={`verdict ${judged.right ? 'ok' : 'bad'}`}
            role="status"
            data-testid="verdict"
            data-right={judged.right}
          >
            {judged.right ? '✓ Right' : '✗ Not quite'}: you said <code>{judged.given}</code>;{' '}
            <code>{judged.command}</code> gives <strong>{judged.answer}</strong> (the{' '}
            <code>expect</code> lines in the terminal show it).
          </p>
        )
      )}
    </section>
  );
}
