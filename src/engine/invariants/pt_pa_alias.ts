import { paddrText } from '../core';
import type { CheckContext, Violation } from './context';

/** PageTableView PA-disjointness (a warning: main allows a frame at several VAs if each holds a reference). */
export const ptPaAlias = {
  id: 'pt.pa_alias',
  severity: 'warning' as const,
  mirrors: 'PageTableView::inv PA-disjointness (stricter than current vostd main)',
  check(ctx: CheckContext): Violation[] {
    const seen = new Map<string, number[]>();
    for (const l of ctx.leaves) {
      const k = `${l.space} ${l.pfn}`;
      const a = seen.get(k);
      if (a) a.push(l.vpn);
      else seen.set(k, [l.vpn]);
    }
    const out: Violation[] = [];
    for (const [k, vpns] of seen) {
      if (vpns.length < 2) continue;
      const [space, p] = k.split(' ');
      out.push({
        id: this.id,
        severity: this.severity,
        message: `frame ${paddrText(Number(p))} is mapped at ${vpns.length} addresses of ${space} (${vpns.map((v) => '0x' + (v * 4096).toString(16)).join(', ')})`,
        frames: [Number(p)],
        handles: [space!],
      });
    }
    return out;
  },
};
