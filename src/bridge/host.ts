// The worker side of the contract, without the worker: wraps a session factory into a SimApi.
// Kept here (not in workers/) so that it runs in Node under Vitest with a real or a fake session.
import type { ExecResult, ScriptLineResult, SessionLike, SimApi } from './api';

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A SimApi over one session at a time; `load` starts a fresh one. Never rejects. */
export function createSimApi(newSession: () => SessionLike): SimApi {
  let session = newSession();
  return {
    async exec(line: string): Promise<ExecResult> {
      try {
        return session.exec(line);
      } catch (err) {
        return { ok: false, text: `error Internal: ${describe(err)}` };
      }
    },
    async load(script: string): Promise<ScriptLineResult[]> {
      try {
        session = newSession();
        return session.runScript(script);
      } catch (err) {
        return [{ line: 0, source: '', ok: false, text: `error Internal: ${describe(err)}` }];
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
