import { paddrText } from '../core';
import {
  RC_UNUSED,
  USAGE_NAMES,
  Usage,
  W_PT_LEVEL,
  W_PT_NR_CHILDREN,
  W_USAGE,
  readRc,
} from '../frame/meta';
import { presentEntries } from '../page_table/node';
import type { CheckContext, Violation } from './context';

/** NodeOwner inv + metaregion_sound_node: right level, child count = present entries, one path. */
export const ptNodeWf = {
  id: 'pt.node_wf',
  severity: 'error' as const,
  mirrors: 'NodeOwner::inv, metaregion_sound_node',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (const [p, where] of ctx.holders.nodes) {
      const bad: string[] = [];
      if (where.length > 1)
        bad.push(
          `is referenced from ${where.length} places (${where.map((w) => w.path).join(', ')})`,
        );
      const level = where[0]!.level;
      if (ctx.mem.slotWord(p, W_PT_LEVEL) !== level)
        bad.push(`records level ${ctx.mem.slotWord(p, W_PT_LEVEL)} but sits at level ${level}`);
      const present = presentEntries(ctx.mem, p);
      const nr = ctx.mem.slotWord(p, W_PT_NR_CHILDREN);
      if (nr !== present) bad.push(`counts ${nr} children but has ${present} present entries`);
      if (readRc(ctx.mem, p) === RC_UNUSED) bad.push('is a free (UNUSED) frame');
      const u = ctx.mem.slotWord(p, W_USAGE);
      if (u !== Usage.PageTable) bad.push(`has usage ${USAGE_NAMES[u]}, not PageTable`);
      if (bad.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `page-table node ${paddrText(p)} ${bad.join(' and ')}`,
          frames: [p],
          handles: [],
        });
    }
    // A node in use that no walk reaches: orphaned (its parent entry was cleared without freeing it).
    for (let k = 0; k < ctx.interesting.length; k++) {
      // Usage first: most interesting pages are data frames, decided without a Map lookup.
      const p = ctx.interesting[k]!;
      if (ctx.usages[k] !== Usage.PageTable || ctx.holders.nodes.has(p) || ctx.rcs[k] === RC_UNUSED)
        continue;
      out.push({
        id: this.id,
        severity: this.severity,
        message: `page-table node ${paddrText(p)} is in use but no page table reaches it (an orphaned node)`,
        frames: [p],
        handles: [],
      });
    }
    return out;
  },
};
