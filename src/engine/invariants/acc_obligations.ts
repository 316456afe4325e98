import { paddrText } from '../core';
import { W_OBLIG } from '../frame/meta';
import { countOf, handleNamesAt, type CheckContext, type Violation } from './context';

/** MetaRegionOwners.frame_obligations equals the live handles (frames, unique frames, segment pages), slot by slot. */
export const accObligations = {
  id: 'acc.obligations',
  severity: 'error' as const,
  mirrors: 'MetaRegionOwners frame_obligations',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    for (let k = 0; k < ctx.interesting.length; k++) {
      const p = ctx.interesting[k]!;
      const minted = ctx.mem.slotWord(p, W_OBLIG);
      const live = countOf(h.frames, p) + countOf(h.uniques, p) + countOf(h.covers, p);
      if (minted !== live)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} has ${minted} outstanding obligation${minted === 1 ? '' : 's'} but ${live} live handle${live === 1 ? '' : 's'}${live ? ` (${handleNamesAt(ctx, p).join(', ')})` : ''}`,
          frames: [p],
          handles: handleNamesAt(ctx, p),
        });
    }
    return out;
  },
};
