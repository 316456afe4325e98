import { paddrText } from '../core';
import { RC_BAND, rcText } from '../frame/meta';
import { handleNamesAt, type CheckContext, type Violation } from './context';

/** MetaSlotOwner inv: between commands a refcount is UNUSED, UNIQUE or 1..REF_COUNT_MAX. */
export const metaRefcountBand = {
  id: 'meta.refcount_band',
  severity: 'error' as const,
  mirrors: 'MetaSlotOwner::inv (MSO-4, and 0 only transiently)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (let k = 0; k < ctx.interesting.length; k++) {
      const p = ctx.interesting[k]!;
      const rc = ctx.rcs[k]!;
      if (rc === 0 || rc === RC_BAND)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} has refcount ${rcText(rc)} between commands; only UNUSED, UNIQUE or 1..REF_COUNT_MAX are legal`,
          frames: [p],
          handles: handleNamesAt(ctx, p),
        });
    }
    return out;
  },
};
