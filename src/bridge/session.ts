// src/lang's Session as src/engine/history drives it: each line with the reverse delta of its
// command, and the session's position to restore on undo. A thin pass-through; `onLine` hears of
// every line run (the worker's sign of life during a long load or seek).
import type { HistorySession, Ran } from '../engine/history';
import type { LineResult, Session, SessionMark } from '../lang';

export function historySession(session: Session, onLine?: () => void): HistorySession<LineResult> {
  return {
    get machine() {
      return session.machine;
    },
    exec(source: string): Ran<LineResult> {
      onLine?.();
      const result = session.exec(source);
      const delta = session.takeDelta();
      return delta ? { result, delta } : { result };
    },
    reset() {
      session.reset();
    },
    mark(): SessionMark {
      return session.mark();
    },
    restore(mark: unknown) {
      session.restore(mark as SessionMark);
    },
  };
}
