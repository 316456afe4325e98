// src/lang's Session as src/engine/history drives it. History needs two things a Session does not
// expose yet: the reverse delta of the step a line ran (Session.exec drops it) and the session's own
// position (line number, previous result, unmatched error) to restore on undo. Until the language
// exposes them, this adapter takes the delta from the machine's step and reads the session's three
// position fields; everything else goes straight through.
import type { HistorySession, Ran } from '../engine/history';
import type { StepResult } from '../engine';
import type { LineResult, Session } from '../lang';

/** The fields of Session that make up its position (private in TypeScript, plain at run time). */
interface SessionPosition {
  lineNo: number;
  last: unknown;
  unmatched: unknown;
}

export function historySession(session: Session): HistorySession<LineResult> {
  /** The StepResult of the line running now, caught from the machine. */
  const caught: { step?: StepResult } = {};
  const takeStep = (): StepResult | undefined => {
    const s = caught.step;
    caught.step = undefined;
    return s;
  };
  const wrapped = new WeakSet<object>();
  const position = session as unknown as SessionPosition;
  return {
    get machine() {
      return session.machine;
    },
    exec(source: string): Ran<LineResult> {
      const machine = session.machine;
      if (!wrapped.has(machine)) {
        const step = machine.step.bind(machine);
        machine.step = (input) => (caught.step = step(input));
        wrapped.add(machine);
      }
      takeStep();
      const result = session.exec(source);
      const step = takeStep();
      const delta = result.kind === 'op' ? step?.delta : undefined;
      return delta ? { result, delta } : { result };
    },
    reset() {
      session.reset();
    },
    mark(): SessionPosition {
      return { lineNo: position.lineNo, last: position.last, unmatched: position.unmatched };
    },
    restore(mark: unknown) {
      const m = mark as SessionPosition;
      position.lineNo = m.lineNo;
      position.last = m.last;
      position.unmatched = m.unmatched;
    },
  };
}
