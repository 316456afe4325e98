import { ptePaddr } from '../arch';
import { paddrText } from '../core';
import { RC_UNUSED, readRc } from '../frame/meta';
import { walk } from '../page_table/node';
import type { CheckContext, Violation } from './context';

/** Every DMA-mapped page is held by its DMA object (in use, covered) and, with the IOMMU on, its device address maps to it. */
export const dmaHeld = {
  id: 'dma.held',
  severity: 'error' as const,
  mirrors: 'DmaStream / DmaCoherent inner invariants (segment.inv, pages in the DMA set)',
  check(ctx: CheckContext): Violation[] {
    const out: Violation[] = [];
    for (const [p, name] of ctx.ghost.dmaSet) {
      const d = ctx.ghost.handles.get(name);
      const bad: string[] = [];
      if (d?.kind !== 'dma' || p < d.start || p >= d.end)
        bad.push(`its DMA object ${name} no longer holds it`);
      if (readRc(ctx.mem, p) === RC_UNUSED) bad.push('it is free (UNUSED)');
      if (d?.kind === 'dma' && ctx.layout.iommuRoot >= 0 && p >= d.start && p < d.end) {
        const dpage = d.daddr / 4096 + (p - d.start);
        const w = walk(ctx.mem, ctx.layout.iommuRoot, dpage);
        if (!w.ok || ptePaddr(w.lo, w.hi) / 4096 !== p)
          bad.push(
            `device address 0x${(dpage * 4096).toString(16)} does not map to it in the IOMMU`,
          );
      }
      if (bad.length)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `DMA-mapped frame ${paddrText(p)}: ${bad.join('; ')}`,
          frames: [p],
          handles: [name],
        });
    }
    for (const h of ctx.ghost.handles.values())
      if (h.kind === 'dma')
        for (let p = h.start; p < h.end; p++)
          if (ctx.ghost.dmaSet.get(p) !== h.name)
            out.push({
              id: this.id,
              severity: this.severity,
              message: `${h.name} holds frame ${paddrText(p)} but the DMA mapping set does not record it`,
              frames: [p],
              handles: [h.name],
            });
    return out;
  },
};
