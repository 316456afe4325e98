// DMA: every DMA object with its direction, coherence and sync state, its physical pages beside
// its device addresses (the same numbers without an IOMMU; a separate device address space with
// one), drawn as two address bars with the links between them, and listed in a table.
import type { DmaInfo, Snapshot } from '../../../bridge/snapshot';
import { Panel, viewMemo } from '../common';
import { bytesText, paddr, type Highlight, type Selection } from '../model';

const W = 560;
const BAR_H = 14;

function hexb(n: number): string {
  return '0x' + n.toString(16);
}

export const DmaView = viewMemo(function DmaView({ snapshot: s, highlight, onSelect }: { snapshot: Snapshot; highlight: Highlight; onSelect: (x: Selection) => void }) {
  const objs = s.dma.objects;
  const summary = `IOMMU ${s.dma.iommu ? 'on: device addresses are translated' : 'off: device address = physical address'}; ${objs.length} object${objs.length === 1 ? '' : 's'}, ${s.dma.mappedPages} page${s.dma.mappedPages === 1 ? '' : 's'} mapped`;
  return (
    <Panel id="dma" title="DMA" summary={summary} className="panel-dma">
      {objs.length > 0 && <DmaDiagram s={s} objs={objs} highlight={highlight} onSelect={onSelect} />}
      <table className="twin-table" data-testid="dma-table">
        <caption>DMA objects</caption>
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Direction</th>
            <th>Coherent</th>
            <th>Physical</th>
            <th>Device</th>
            <th>Sync</th>
          </tr>
        </thead>
        <tbody>
          {objs.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                none: try `alloc 2 as s` then `dma stream s dir=from_device coherent=no`
              </td>
            </tr>
          )}
          {objs.map((d) => (
            <tr key={d.name} className={[highlight.handles.has(d.name) ? 'hl' : '', d.staleRead ? 'bad' : ''].join(' ').trim() || undefined}>
              <td>
                <button type="button" className="link" onClick={() => onSelect({ kind: 'handle', name: d.name })}>
                  {d.name}
                </button>
              </td>
              <td>{d.stream ? 'DmaStream' : 'DmaCoherent'}</td>
              <td>{d.dir ?? 'both (coherent)'}</td>
              <td>{d.coherent ? 'yes' : 'no'}</td>
              <td>
                {paddr(d.pfn)}..{paddr(d.pfn + d.pages)} <span className="muted">({bytesText(d.pages * 4096)})</span>
              </td>
              <td>
                {hexb(d.daddr)}..{hexb(d.daddr + d.pages * 4096)}
              </td>
              <td>
                {d.sync}
                {d.staleRead ? '; STALE READ (dma.stale_read)' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}, (s) => [s.dma, s.config]);

/** Physical memory above, device addresses below, a band from each object's pages to its device range. */
function DmaDiagram({ s, objs, highlight, onSelect }: { s: Snapshot; objs: DmaInfo[]; highlight: Highlight; onSelect: (x: Selection) => void }) {
  const physEnd = s.config.nframes * 4096;
  const dLo = s.dma.iommu ? Math.min(...objs.map((d) => d.daddr)) : 0;
  const dHi = s.dma.iommu ? Math.max(...objs.map((d) => d.daddr + d.pages * 4096)) : physEnd;
  const px = (a: number): number => 10 + ((W - 20) * a) / physEnd;
  const dx = (a: number): number => 10 + ((W - 20) * (a - dLo)) / Math.max(1, dHi - dLo);
  const colors = ['#f0883e', '#d29922', '#db61a2', '#58a6ff', '#3fb950'];
  return (
    <svg className="dma-diagram" viewBox={`0 0 ${W} 110`} role="img" aria-label="Physical pages of each DMA object and their device addresses">
      <text x={10} y={12} className="svg-label">
        physical 0..{hexb(physEnd)}
      </text>
      <rect x={10} y={18} width={W - 20} height={BAR_H} className="svg-bar" />
      <text x={10} y={104} className="svg-label">
        device {hexb(dLo)}..{hexb(dHi)}
        {s.dma.iommu ? ' (IOMMU)' : ' (= physical)'}
      </text>
      <rect x={10} y={76} width={W - 20} height={BAR_H} className="svg-bar" />
      {objs.map((d, i) => {
        const c = colors[i % colors.length]!;
        const p0 = px(d.pfn * 4096);
        const p1 = Math.max(p0 + 2, px((d.pfn + d.pages) * 4096));
        const d0 = dx(d.daddr);
        const d1 = Math.max(d0 + 2, dx(d.daddr + d.pages * 4096));
        const hl = highlight.handles.has(d.name);
        return (
          <g key={d.name} onClick={() => onSelect({ kind: 'handle', name: d.name })} className="dma-link" data-name={d.name}>
            <title>{`${d.name}: ${paddr(d.pfn)} ↔ device ${hexb(d.daddr)} (${d.pages} pages)`}</title>
            <polygon points={`${p0},${18 + BAR_H} ${p1},${18 + BAR_H} ${d1},76 ${d0},76`} fill={c} opacity={hl ? 0.6 : 0.3} />
            <rect x={p0} y={18} width={p1 - p0} height={BAR_H} fill={c} style={hl ? { stroke: 'var(--v-hl)' } : undefined} />
            <rect x={d0} y={76} width={d1 - d0} height={BAR_H} fill={c} style={hl ? { stroke: 'var(--v-hl)' } : undefined} />
            <text x={(p0 + d0) / 2 + 4} y={56} className="svg-label">
              {d.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
