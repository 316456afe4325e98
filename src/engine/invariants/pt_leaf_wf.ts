import { PTE_NO_CACHE, PTE_PRESENT, PTE_WRITE_THROUGH } from '../arch';
import { paddrText } from '../core';
import { RC_UNUSED, Usage, W_PATHS, W_USAGE, readRc } from '../frame/meta';
import { pageSizeText } from '../page_table/node';
import type { CheckContext, Violation } from './context';

/**
 * EntryOwner inv_base + metaregion_sound for leaves: aligned, level ≤ 2, R set, valid cache, slot in
 * use, path recorded; a huge leaf's other pages in use too (0 < refcount ≤ MAX, as vostd's
 * metaregion_sound asks of every sub-page).
 */
export const ptLeafWf = {
  id: 'pt.leaf_wf',
  severity: 'error' as const,
  mirrors: 'EntryOwner::inv_base, EntryOwner::metaregion_sound',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    const nframes = ctx.layout.nframes;
    const t = ctx.leaves;
    for (let k = 0; k < t.length; k++) {
      // The common case, a well-formed 4 KiB leaf, decided from the columns.
      const lo = t.lo[k]!;
      const pfn = t.pfn[k]!;
      if (
        t.level[k] === 1 &&
        lo & PTE_PRESENT &&
        !(lo & PTE_NO_CACHE && lo & PTE_WRITE_THROUGH) &&
        pfn < nframes &&
        readRc(ctx.mem, pfn) !== RC_UNUSED &&
        ctx.mem.slotWord(pfn, W_USAGE) !== Usage.PageTable &&
        ctx.mem.slotWord(pfn, W_PATHS) === ctx.holders.mappings.count(pfn)
      )
        continue;
      const l = t.at(k);
      const bad: string[] = [];
      const pages = 512 ** (l.level - 1);
      if (l.pfn % pages !== 0)
        bad.push(`maps ${paddrText(l.pfn)}, not aligned to its ${pageSizeText(l.level)} page size`);
      if (l.level > ctx.consts.highestTranslationLevel)
        bad.push(`is a level-${l.level} leaf (above HIGHEST_TRANSLATION_LEVEL)`);
      if (!(l.lo & PTE_PRESENT)) bad.push('lacks R (PRESENT)');
      if (l.lo & PTE_NO_CACHE && l.lo & PTE_WRITE_THROUGH) bad.push('has an invalid cache policy');
      if (l.pfn < ctx.layout.nframes) {
        if (readRc(ctx.mem, l.pfn) === RC_UNUSED)
          bad.push(`maps frame ${paddrText(l.pfn)}, which is free (UNUSED)`);
        if (ctx.mem.slotWord(l.pfn, W_USAGE) === Usage.PageTable)
          bad.push(`maps frame ${paddrText(l.pfn)}, a page-table node, as data`);
        const paths = ctx.mem.slotWord(l.pfn, W_PATHS);
        const real = ctx.holders.mappings.count(l.pfn);
        if (paths !== real)
          bad.push(
            `maps frame ${paddrText(l.pfn)}, whose slot records ${paths} paths_in_pt for ${real} mappings`,
          );
        // A huge leaf reaches every page it covers: each must be a shared frame in use.
        let notInUse = 0;
        let first = -1;
        for (let j = 1; j < pages; j++) {
          const q = l.pfn + j;
          if (q < nframes && readRc(ctx.mem, q) > 0) continue;
          if (notInUse++ === 0) first = q;
        }
        if (notInUse)
          bad.push(
            `covers ${notInUse} page${notInUse === 1 ? '' : 's'} that ${notInUse === 1 ? 'is' : 'are'} not a frame in use (first ${paddrText(first)})`,
          );
      } else bad.push(`maps ${paddrText(l.pfn)}, beyond physical memory`);
      if (bad.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `the leaf at ${l.space}@${va(l.vpn)} ${bad.join(' and ')}`,
          frames: [l.pfn],
          handles: [l.space],
        });
    }
    return out;
  },
};

function va(vpn: number): string {
  return '0x' + (vpn * 4096).toString(16);
}
