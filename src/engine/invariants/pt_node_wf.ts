import { pteIsPresent } from '../arch';
import { paddrText } from '../core';
import { RC_UNUSED, W_PT_LEVEL, W_PT_NR_CHILDREN, readRc } from '../frame/meta';
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
      if (where.length > 1) bad.push(`is referenced from ${where.length} places (${where.map((w) => w.path).join(', ')})`);
      const level = where[0]!.level;
      if (ctx.mem.slotWord(p, W_PT_LEVEL) !== level) bad.push(`records level ${ctx.mem.slotWord(p, W_PT_LEVEL)} but sits at level ${level}`);
      let present = 0;
      for (let i = 0; i < 512; i++) if (pteIsPresent(ctx.mem.readWord(p, i * 8))) present++;
      const nr = ctx.mem.slotWord(p, W_PT_NR_CHILDREN);
      if (nr !== present) bad.push(`counts ${nr} children but has ${present} present entries`);
      if (readRc(ctx.mem, p) === RC_UNUSED) bad.push('is a free (UNUSED) frame');
      if (bad.length)
        out.push({ id: this.id, severity: this.severity, message: `page-table node ${paddrText(p)} ${bad.join(' and ')}`, frames: [p], handles: [] });
    }
    return out;
  },
};
