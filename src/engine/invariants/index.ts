/**
 * The invariant checker. One module per ID of shared/spec/invariants.md; each is a pure function
 * from a CheckContext (slots + references counted from their own sources) to violations, and each
 * violation names the blamed frames and handles in one sentence. The Machine runs them after
 * every accepted command — by default incrementally (incremental.ts): the page-by-page ones only
 * on the pages the command affected, with the whole checker's verdicts.
 */
import { accNoDangling } from './acc_no_dangling';
import { accNoOrphan } from './acc_no_orphan';
import { accObligations } from './acc_obligations';
import { accRefcountExact } from './acc_refcount_exact';
import type { CheckContext, Violation } from './context';
import { metaRefcountBand } from './meta_refcount_band';
import { metaSlotAddr } from './meta_slot_addr';
import { metaUniqueUnmapped } from './meta_unique_unmapped';
import { metaUnusedEmpty } from './meta_unused_empty';
import { metaUsage } from './meta_usage';
import { segUnmapped } from './seg_unmapped';
import { ptNodeWf } from './pt_node_wf';
import { ptLeafWf } from './pt_leaf_wf';
import { ptUserRange } from './pt_user_range';
import { ptPaAlias } from './pt_pa_alias';
import { cursorLocksDisjoint } from './cursor_locks_disjoint';
import { cursorInRange } from './cursor_in_range';
import { tlbConsistent } from './tlb_consistent';
import { tlbNoDangling } from './tlb_no_dangling';
import { vsoRrDisjoint, vsoRwDisjoint, vsoWwDisjoint } from './vso_disjoint';
import { vsoMemView } from './vso_mem_view';
import { dmaNoDoubleMap } from './dma_no_double_map';
import { dmaHeld } from './dma_held';
import { dmaStaleRead } from './dma_stale_read';

export { literalMemViewGaps } from './vso_mem_view';
export { buildContext, type CheckContext, type Violation, type Holders } from './context';
export { PtIndex, ghostChanges, restrictedContext } from './incremental';

export interface Invariant {
  id: string;
  severity: 'error' | 'warning';
  mirrors: string;
  check(ctx: CheckContext): Violation[];
}

export const INVARIANTS: readonly Invariant[] = [
  metaRefcountBand,
  metaUnusedEmpty,
  metaUniqueUnmapped,
  metaSlotAddr,
  metaUsage,
  accRefcountExact,
  accNoOrphan,
  accNoDangling,
  accObligations,
  ptNodeWf,
  ptLeafWf,
  ptUserRange,
  ptPaAlias,
  cursorLocksDisjoint,
  cursorInRange,
  tlbConsistent,
  tlbNoDangling,
  vsoRwDisjoint,
  vsoWwDisjoint,
  vsoRrDisjoint,
  vsoMemView,
  segUnmapped,
  dmaNoDoubleMap,
  dmaHeld,
  dmaStaleRead,
];

export function checkAll(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  // No spread: a check may report one violation per mapped page.
  for (const inv of INVARIANTS) for (const v of inv.check(ctx)) out.push(v);
  return inCanonicalOrder(out);
}

/**
 * The invariants that judge pages one by one (each violation blames the page it was computed
 * for): incremental checking re-runs them on the pages a step affected only.
 */
export const PAGE_SCOPED: ReadonlySet<string> = new Set([
  metaRefcountBand.id,
  metaSlotAddr.id,
  metaUnusedEmpty.id,
  metaUniqueUnmapped.id,
  metaUsage.id,
  accRefcountExact.id,
  accNoOrphan.id,
  accNoDangling.id,
  accObligations.id,
  ptNodeWf.id,
  ptLeafWf.id,
  ptUserRange.id,
  ptPaAlias.id,
  segUnmapped.id,
]);

const RANK = new Map(INVARIANTS.map((inv, k) => [inv.id, k]));

/** Violations in one order whatever found them: by invariant, then blamed page, then text. */
export function inCanonicalOrder(vs: Violation[]): Violation[] {
  return vs.length > 1 ? vs.sort(canonical) : vs;
}

function canonical(a: Violation, b: Violation): number {
  return (
    RANK.get(a.id)! - RANK.get(b.id)! ||
    (a.frames[0] ?? -1) - (b.frames[0] ?? -1) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}
