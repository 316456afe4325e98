/**
 * The machine's views: physical frames (with the frame inspector), the page-table tree, the
 * address-space ribbon, the TLBs, DMA and the ownership ledger. Each reads one Snapshot (built in
 * the worker after every command or seek; bulk state comes as SharedArrayBuffers it reads in
 * place) and shares one selection: whatever is selected in one view is highlighted in all of them.
 * Every view has a text twin (a table) that screen readers and tests read.
 *
 * Props: `snapshot` (null while the worker starts), `selection` and `onSelect` (the shell keeps the
 * selection), and optionally `inspect`, the worker's frame query (`buildFrameDetail`), which the
 * frame inspector uses for what the shared memory cannot tell (e.g. page-table paths).
 */
import { memo, useMemo, useState } from 'react';
import type { FrameDetail, Snapshot } from '../../bridge/snapshot';
import { AddressSpaceView } from './address_space/AddressSpaceView';
import { DmaView } from './dma/DmaView';
import { FramesView } from './frames/FramesView';
import { LedgerView } from './ledger/LedgerView';
import { timed } from './common';
import { Keeper, SnapshotKeeper } from './intern';
import { highlightOf, num, type Highlight, type Selection } from './model';
import { PageTableView } from './page_table/PageTableView';
import { TlbView } from './tlb/TlbView';
import './views.css';

export type { Selection } from './model';

export interface ViewsProps {
  snapshot: Snapshot | null;
  selection: Selection;
  onSelect: (s: Selection) => void;
  inspect?: (pfn: number) => Promise<FrameDetail | null>;
  /** Only these views (frames, pt, as, ledger, tlb, dma), e.g. when embedded; default: all. */
  panels?: ReadonlySet<string>;
}

export const Views = memo(function Views({ snapshot: received, selection, onSelect, inspect, panels }: ViewsProps) {
  // Each snapshot shares the parts equal to the last one's: a view whose parts did not change is
  // not rendered again, and a canvas whose inputs did not change is not redrawn.
  const [keeper] = useState(() => ({ snapshot: new SnapshotKeeper(), highlight: new Keeper<Highlight>() }));
  const snapshot = useMemo(() => (received ? timed('intern', () => keeper.snapshot.keep(received)) : null), [keeper, received]);
  const highlight = useMemo(() => keeper.highlight.keep(timed('highlight', () => highlightOf(snapshot, selection))), [keeper, snapshot, selection]);
  if (!snapshot)
    return (
      <div className="views views-empty" data-testid="views" aria-busy="true">
        <p className="muted">Waiting for the machine…</p>
      </div>
    );
  const s = snapshot;
  const last = s.last;
  const shown = (name: string) => !panels || panels.has(name);
  return (
    <div
      className="views"
      data-testid="views"
      data-seq={s.seq}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && selection) onSelect(null);
      }}
    >
      <div className="views-status" role="status" aria-live="polite">
        <span data-testid="views-machine">
          {s.config.arch}, {s.config.memBytes / 1048576} MiB ({num(s.config.nframes)} frames), {s.config.cpus} CPU{s.config.cpus === 1 ? '' : 's'}, cpu {s.cpu} current
        </span>
        {last && (
          <span className={`views-last ${last.ok ? '' : 'bad'}`} data-testid="views-last">
            line {last.line}: <code>{last.source.trim()}</code> → {last.text.length > 120 ? last.text.slice(0, 120) + '…' : last.text}
          </span>
        )}
        {selection && (
          <span className="views-selection" data-testid="views-selection">
            Selected: {highlight.label || 'nothing'}{' '}
            <button type="button" onClick={() => onSelect(null)} aria-label="Clear the selection">
              ✕
            </button>
          </span>
        )}
      </div>
      <div className="views-grid">
        {shown('frames') && <FramesView snapshot={s} selection={selection} highlight={highlight} onSelect={onSelect} inspect={inspect} />}
        {shown('pt') && <PageTableView snapshot={s} selection={selection} highlight={highlight} onSelect={onSelect} />}
        {shown('as') && <AddressSpaceView snapshot={s} highlight={highlight} onSelect={onSelect} />}
        {shown('ledger') && <LedgerView snapshot={s} selection={selection} highlight={highlight} onSelect={onSelect} />}
        {shown('tlb') && <TlbView snapshot={s} highlight={highlight} onSelect={onSelect} />}
        {shown('dma') && <DmaView snapshot={s} highlight={highlight} onSelect={onSelect} />}
      </div>
    </div>
  );
});
