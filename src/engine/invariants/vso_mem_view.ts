import { walk } from '../page_table/node';
import { ptePaddr } from '../arch';
import type { IoHandle, VmSpaceHandle } from '../state';
import { liveView } from '../io';
import type { CheckContext, Violation } from './context';

/**
 * mem_view_wf in its intended reading: each writer's view is carved out of the space's remaining
 * view (no mapping in two writers' views, and every one still part of the total view = the page
 * table), and readers' views agree with the total view at addresses no writer owns. The literal
 * MV-6 ("remaining == total at every address") fails whenever a writer holds any mapping; `check`
 * reports that reading separately (literalMemViewGaps).
 */
export const vsoMemView = {
  id: 'vso.mem_view',
  severity: 'error' as const,
  mirrors: 'VmSpaceOwner mem_view_wf (MV-1..MV-8; MV-6 outside writer-owned addresses)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const ios = [...ctx.ghost.handles.values()].filter(
      (h): h is IoHandle => (h.kind === 'reader' || h.kind === 'writer') && h.vs !== null,
    );
    const spaces = new Set(ios.map((h) => h.vs!));
    for (const vsName of spaces) {
      const vs = ctx.ghost.handles.get(vsName);
      if (vs?.kind !== 'vmspace') continue;
      const total = (vpn: number): number => {
        const w = walk(ctx.mem, (vs as VmSpaceHandle).root, vpn);
        return w.ok ? ptePaddr(w.lo, w.hi) / 4096 : -1;
      };
      // Writers own bytes: two writers owning the same address is a view handed out twice.
      const writers = ios.filter((h) => h.kind === 'writer' && h.vs === vsName && h.end > h.cursor);
      for (let a = 0; a < writers.length; a++)
        for (let b = a + 1; b < writers.length; b++) {
          const x = writers[a]!;
          const y = writers[b]!;
          const lo = Math.max(x.cursor, y.cursor);
          const hi = Math.min(x.end, y.end);
          if (lo < hi)
            out.push({
              id: this.id,
              severity: this.severity,
              message: `addresses 0x${lo.toString(16)}..0x${hi.toString(16)} of ${vsName} are in the views of writers ${x.name} and ${y.name}: a writer's view must be carved out of the remaining view`,
              frames: [],
              handles: [x.name, y.name],
            });
        }
      const owner = new Set<number>();
      for (const w of writers)
        for (const [vpn, pfn] of liveView(w)) {
          owner.add(vpn);
          if (total(vpn) !== pfn)
            out.push({
              id: this.id,
              severity: this.severity,
              message: `writer ${w.name}'s view maps 0x${(vpn * 4096).toString(16)} → frame 0x${(pfn * 4096).toString(16)}, which the page table of ${vsName} no longer does`,
              frames: [pfn],
              handles: [w.name],
            });
        }
      for (const r of ios.filter((h) => h.kind === 'reader' && h.vs === vsName))
        for (const [vpn, pfn] of liveView(r))
          if (!owner.has(vpn) && total(vpn) !== pfn)
            out.push({
              id: this.id,
              severity: this.severity,
              message: `reader ${r.name}'s view maps 0x${(vpn * 4096).toString(16)} → frame 0x${(pfn * 4096).toString(16)}, which disagrees with ${vsName}'s page table`,
              frames: [pfn],
              handles: [r.name],
            });
    }
    return out;
  },
};

/** Where the literal MV-6 breaks (addresses owned by writers with a view): a note for `check`. */
export function literalMemViewGaps(ctx: CheckContext): string[] {
  const out: string[] = [];
  for (const h of ctx.ghost.handles.values()) {
    if (h.kind !== 'writer' || h.vs === null) continue;
    const n = liveView(h).length;
    if (n > 0)
      out.push(
        `writer ${h.name} holds ${n} mapping${n === 1 ? '' : 's'} that the remaining view lacks, so MV-6 read literally fails there`,
      );
  }
  return out;
}
