import type { CheckContext, Violation } from './context';

/** UserPtConfig TOP_LEVEL_INDEX_RANGE: a user space maps only below MAX_USERSPACE_VADDR. */
export const ptUserRange = {
  id: 'pt.user_range',
  severity: 'error' as const,
  mirrors: 'UserPtConfig TOP_LEVEL_INDEX_RANGE',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const t = ctx.leaves;
    for (let k = 0; k < t.length; k++) {
      if (t.vpn[k]! + 512 ** (t.level[k]! - 1) <= ctx.consts.maxUserspaceVpn) continue;
      const space = t.space[k]!;
      out.push({
        id: this.id,
        severity: this.severity,
        message: `${space} maps 0x${(t.vpn[k]! * 4096).toString(16)}, outside user space (MAX_USERSPACE_VADDR = 0x7fff_ffff_f000)`,
        frames: [t.pfn[k]!],
        handles: [space],
      });
    }
    return out;
  },
};
