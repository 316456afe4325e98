import { paddrText } from '../core';
import { RC_UNIQUE, RC_UNUSED, Usage, rcText } from '../frame/meta';
import { blameAt } from './blame';
import { countOf, holderNames, type CheckContext, type Violation } from './context';

/** Embedding accounting (ACC-3): for an in-use data frame, rc = handles + mappings + covers + forgotten. */
export const accRefcountExact = {
  id: 'acc.refcount_exact',
  severity: 'error' as const,
  mirrors: 'embedding accounting_inv (rc == H + P + cover)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const h = ctx.holders;
    for (let k = 0; k < ctx.interesting.length; k++) {
      if (ctx.usages[k] !== Usage.Frame) continue;
      const p = ctx.interesting[k]!;
      const rc = ctx.rcs[k]!;
      const f = h.forgotten.size ? h.forgotten.get(p) : undefined;
      if (rc === RC_UNIQUE) {
        // ACC-3: a page held by shared references (handles, mappings, covers) is never UNIQUE.
        const shared =
          countOf(h.frames, p) + h.mappings.count(p) + countOf(h.covers, p) + (f ? f.frames : 0);
        if (shared > 0)
          out.push({
            id: this.id,
            severity: this.severity,
            message: `frame ${paddrText(p)} is UNIQUE but ${shared} shared reference${shared === 1 ? ' holds' : 's hold'} it (${holderNames(ctx, p).join(', ')})`,
            frames: [p],
            handles: blameAt(ctx, p),
          });
        continue;
      }
      if (rc === RC_UNUSED || rc <= 0) continue;
      const handles = countOf(h.frames, p);
      const mapped = h.mappings.count(p);
      const covers = countOf(h.covers, p);
      const sum = handles + mapped + covers + (f ? f.frames : 0);
      // Judged on the counts; the parts are spelled out only for a message.
      if (sum === 0 || rc === sum) continue; // sum 0: an orphan, acc.no_orphan reports it
      const parts: [string, number][] = [
        [handles === 1 ? 'handle' : 'handles', handles],
        [mapped === 1 ? 'mapping' : 'mappings', mapped],
        [covers === 1 ? 'segment cover' : 'segment covers', covers],
        ['forgotten', f ? f.frames : 0],
      ];
      out.push({
        id: this.id,
        severity: this.severity,
        message:
          `frame ${paddrText(p)} has refcount ${rcText(rc)} but ${sum} reference${sum === 1 ? ' holds' : 's hold'} it (` +
          parts
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') +
          `: ${holderNames(ctx, p).join(', ')})`,
        frames: [p],
        handles: blameAt(ctx, p),
      });
    }
    return out;
  },
};
