import { paddrText } from '../core';
import type { CheckContext, Violation } from './context';

/** PageTableView PA-disjointness (a warning: main allows a frame at several VAs if each holds a reference). */
export const ptPaAlias = {
  id: 'pt.pa_alias',
  severity: 'warning' as const,
  mirrors: 'PageTableView::inv PA-disjointness (stricter than current vostd main)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    // Pages mapped more than once (holders.mappings lists them in walk order), then by space.
    const m = ctx.holders.mappings;
    for (const p of m.keys()) {
      if (m.count(p) < 2) continue; // most pages: decided without listing their leaf
      const leaves = m.get(p)!;
      const bySpace = new Map<string, number[]>();
      for (const l of leaves) {
        const a = bySpace.get(l.space);
        if (a) a.push(l.vpn);
        else bySpace.set(l.space, [l.vpn]);
      }
      for (const [space, vpns] of bySpace) {
        if (vpns.length < 2) continue;
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is mapped at ${vpns.length} addresses of ${space} (${vpns.map((v) => '0x' + (v * 4096).toString(16)).join(', ')})`,
          frames: [p],
          handles: [space],
        });
      }
    }
    return out;
  },
};
