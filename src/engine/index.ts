/**
 * The PageLab engine: a faithful simulation of Asterinas OSTD's memory subsystem as vostd states
 * it, in pure TypeScript (no DOM, no React, no Comlink) so it runs alike in the worker, in Node
 * tests and in the CLI. `Machine` is the one writer: `step(op)` changes the state atomically and
 * returns data (result, effects, reverse delta, violations); everything else only reads.
 */
export {
  type MachineImage,
  Machine,
  resolveConfig,
  type StepInput,
  type StepResult,
  type ReverseDelta,
  type CheckingMode,
} from './machine';
export { SimError, ERROR_CODES, type ErrorCode } from './errors';
export type { Op, OpName, AddrRef, RangeRef, MachineConfig, DataLit, DmaDir } from './ops';
export { isRange, dataBytes, dataLength } from './ops';
export type { Effect, ResolvedConfig, BootLayout } from './core';
export { DEFAULT_CONFIG, hex } from './core';
export { INVARIANTS, type Violation, type Invariant } from './invariants';
export {
  RC_UNUSED,
  RC_UNIQUE,
  RC_BAND,
  Usage,
  USAGE_NAMES,
  rcText,
  rcState,
  type SlotView,
} from './frame/meta';
export { X86_64, type PagingConsts } from './arch';
