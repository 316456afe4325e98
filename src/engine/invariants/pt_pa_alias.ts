import { paddrText } from '../core';
import type { CheckContext, Violation } from './context';

/** PageTableView PA-disjointness (a warning: main allows a frame at several VAs if each holds a reference). */
export const ptPaAlias = {
  id: 'pt.pa_alias',
  severity: 'warning' as const,
  mirrors: 'PageTableView::inv PA-disjointness (stricter than current vostd main)',
  check(ctx: CheckContext): Violation[] {
    // Per space, frame → the pages mapping it (numeric keys: one entry per mapped page).
    const seen = new Map<string, Map<number, number[]>>();
    for (const l of ctx.leaves) {
      let m = seen.get(l.space);
      if (!m) seen.set(l.space, (m = new Map()));
      const a = m.get(l.pfn);
      if (a) a.push(l.vpn);
      else m.set(l.pfn, [l.vpn]);
    }
    const out: Violation[] = [];
    for (const [space, m] of seen)
      for (const [p, vpns] of m) {
        if (vpns.length < 2) continue;
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is mapped at ${vpns.length} addresses of ${space} (${vpns.map((v) => '0x' + (v * 4096).toString(16)).join(', ')})`,
          frames: [p],
          handles: [space],
        });
      }
    return out;
  },
};
