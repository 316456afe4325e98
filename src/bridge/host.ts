// The worker side of the contract, without the worker: wraps a session factory into a SimApi.
// Kept here (not in workers/) so that it runs in Node under Vitest. Results cross the worker
// boundary as printed text only: effects, violations and data stay in the worker.
import { formatResult, type LineResult, type Session } from '../lang';
import type { ExecResult, ScriptLineResult, SimApi } from './api';

/** What the host needs from src/lang's Session. */
export type SessionLike = Pick<Session, 'exec' | 'runScript' | 'reset'>;

function internal(err: unknown): ExecResult {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { ok: false, kind: 'op', text: `internal error (a bug in PageLab): ${what}` };
}

function toExec(r: LineResult): ExecResult {
  return { ok: r.ok, kind: r.kind, text: formatResult(r) };
}

/** A SimApi over one session at a time; `load` starts a fresh one. Never rejects. */
export function createSimApi(newSession: () => SessionLike): SimApi {
  let session = newSession();
  return {
    async exec(line: string): Promise<ExecResult> {
      try {
        return toExec(session.exec(line));
      } catch (err) {
        return internal(err);
      }
    },
    async load(script: string): Promise<ScriptLineResult[]> {
      try {
        session = newSession();
        return session
          .runScript(script)
          .filter((r) => r.kind !== 'blank')
          .map((r) => ({ line: r.line, source: r.source, ...toExec(r) }));
      } catch (err) {
        return [{ line: 0, source: '', ...internal(err) }];
      }
    },
    async reset(): Promise<void> {
      try {
        session.reset();
      } catch {
        session = newSession();
      }
    },
  };
}
