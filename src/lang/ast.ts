// A parsed line: an engine operation (with the `unsafe` prefix), an expectation, or narration.
import type { AddrRef, DataLit, Op } from '../engine';

export type Expect =
  | { what: 'ok' }
  | { what: 'error'; code?: string; clause?: string }
  | { what: 'data'; data: DataLit }
  | { what: 'violation'; id: string }
  | { what: 'no_violation'; id?: string }
  | { what: 'clean' }
  | { what: 'translate'; vs: string; va: bigint; target: AddrRef | 'fault' }
  | { what: 'refcount'; paddr: AddrRef; value: bigint | 'unused' | 'unique' };

export type Stmt =
  | { kind: 'op'; op: Op; unsafe: boolean }
  | { kind: 'expect'; expect: Expect }
  | { kind: 'note'; text: string }
  /** A PageLab extension for lessons: the next command is a prediction point; the expect lines after it are the answer. */
  | { kind: 'ask'; question: string };

export class SyntaxError_ extends Error {
  constructor(
    message: string,
    /** 1-based column the error points at. */
    readonly col: number,
  ) {
    super(message);
  }
}
