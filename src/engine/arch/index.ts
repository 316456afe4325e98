/**
 * Architecture model: a `PagingConsts` bundle holds every number the paging code depends on, so a
 * second layout (sv39, a toy 2-level table) is one more bundle, not a rewrite. Values are x86-64 as
 * vostd verifies them (ostd-model.md §1). Virtual addresses above 2^53 are never held as `number`:
 * the engine works in page numbers (VA >> 12 < 2^52), which are exact.
 */
export { X86_64, type PagingConsts, pageSizeOfLevel, pageShiftOfLevel } from './consts';
export * from './pte';
