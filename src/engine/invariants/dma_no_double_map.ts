import { paddrText } from '../core';
import type { DmaHandle } from '../state';
import type { CheckContext, Violation } from './context';

/** The DMA mapping set: each physical page is in at most one live DMA mapping. */
export const dmaNoDoubleMap = {
  id: 'dma.no_double_map',
  severity: 'error' as const,
  mirrors: 'DMA_MAPPING_SET (check_and_insert_dma_mapping)',
  check(ctx: CheckContext): Violation[] {
    const by = new Map<number, string[]>();
    for (const h of ctx.ghost.handles.values())
      if (h.kind === 'dma')
        for (let p = (h as DmaHandle).start; p < h.end; p++)
          by.set(p, [...(by.get(p) ?? []), h.name]);
    const out: Violation[] = [];
    for (const [p, names] of by)
      if (names.length > 1)
        out.push({
          id: this.id,
          severity: this.severity,
          message: `frame ${paddrText(p)} is DMA-mapped by ${names.join(' and ')}`,
          frames: [p],
          handles: names,
        });
    return out;
  },
};
