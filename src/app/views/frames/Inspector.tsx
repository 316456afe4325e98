// The frame inspector: one frame's metadata slot (every field), refcount, obligations, and
// everything that reaches it: handles, segments, DMA objects, forgotten references, PTEs, TLB
// entries and the violations that blame it. It asks the worker (`inspect`) when the shell
// provides the query, and shows what the shared memory tells meanwhile (or instead).
import { memo, useEffect, useState } from 'react';
import type { FrameDetail, Snapshot } from '../../../bridge/snapshot';
import { VTABLE_NAMES, vpnHex } from '../../../bridge/shared_layout';
import { localFrameDetail, paddr, type Selection } from '../model';

const WORD_NAMES = ['ref_count (lo)', 'ref_count (hi)', 'usage', 'storage', 'vtable', 'in_list', 'nr_children', 'level', 'stray', 'lock', 'paths_in_pt', 'obligations', 'generation', '(13)', '(14)', '(15)'];

/** With no frame to show, a new snapshot changes nothing in it: it is not rendered again. */
export const FrameInspector = memo(
  FrameInspectorView,
  (a, b) =>
    a.pfn === null &&
    b.pfn === null &&
    a.inspect === b.inspect &&
    a.onSelect === b.onSelect,
);

function FrameInspectorView(props: {
  snapshot: Snapshot;
  pfn: number | null;
  inspect?: ((pfn: number) => Promise<FrameDetail | null>) | undefined;
  onSelect: (s: Selection) => void;
}) {
  const { snapshot: s, pfn, inspect, onSelect } = props;
  const [remote, setRemote] = useState<{ seq: number; detail: FrameDetail } | null>(null);
  useEffect(() => {
    if (pfn === null || !inspect) return;
    let live = true;
    inspect(pfn).then(
      (d) => {
        if (live && d) setRemote({ seq: s.seq, detail: d });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [pfn, inspect, s.seq]);
  if (pfn === null)
    return (
      <aside className="inspector" data-testid="frame-inspector" aria-label="Frame inspector">
        <p className="muted">Click a frame (or a mapping, a TLB entry, a table row) to inspect it.</p>
      </aside>
    );
  const d: FrameDetail | null =
    remote && remote.detail.pfn === pfn && remote.seq === s.seq ? remote.detail : s.frame && s.frame.pfn === pfn ? s.frame : localFrameDetail(s, pfn);
  if (!d)
    return (
      <aside className="inspector" data-testid="frame-inspector" aria-label="Frame inspector">
        <p>No frame {pfn}.</p>
      </aside>
    );
  const sl = d.slot;
  return (
    // Named as when empty, and for the frame it shows: found by either name.
    <aside className="inspector" data-testid="frame-inspector" aria-label={`Frame inspector: frame ${paddr(pfn)}`} data-pfn={pfn}>
      <h3>
        Frame {paddr(pfn)} <span className="muted">slot {pfn}</span>
      </h3>
      <p className="muted">{d.region}</p>
      <dl className="facts">
        <dt>refcount</dt>
        <dd data-testid="inspector-refcount">
          {sl.rcText}
          {/* A named refcount (UNUSED, UNIQUE, OVERFLOW) is its own state. */}
          {sl.rcState !== sl.rcText && <span className="muted"> ({sl.rcState})</span>}
        </dd>
        <dt>usage</dt>
        <dd>{sl.usage}</dd>
        <dt>obligations</dt>
        <dd>{sl.obligations}</dd>
        <dt>paths_in_pt</dt>
        <dd>{sl.paths}</dd>
      </dl>
      <Section title="Held by" empty="nothing holds it" items={d.holders.map((h) => (
        <button key={h.name + h.how} type="button" className="link" onClick={() => onSelect({ kind: 'handle', name: h.name })}>
          {h.name} <span className="muted">({h.how})</span>
        </button>
      ))} testid="inspector-holders" />
      {d.forgotten && (
        <p>
          Forgotten references: {d.forgotten.count} <span className="muted">({d.forgotten.by.join('; ')})</span>
        </p>
      )}
      <Section
        title={`Mapped by ${d.pteTotal} PTE${d.pteTotal === 1 ? '' : 's'}`}
        empty="no user page table maps it"
        testid="inspector-ptes"
        items={d.ptes.map((p) => (
          <button key={`${p.space}:${p.vpn}`} type="button" className="link" onClick={() => onSelect({ kind: 'mapping', space: p.space, vpn: p.vpn, pfn })}>
            {p.space}@{vpnHex(p.vpn)} <span className="muted">{p.flags}</span>
          </button>
        ))}
      />
      {d.nodeOf.length > 0 && (
        <Section title="A page-table node at" empty="" items={d.nodeOf.map((n) => <span key={n.path}>L{n.level} {n.path}</span>)} testid="inspector-node" />
      )}
      <Section
        title="TLB entries"
        empty="no TLB entry reaches it"
        testid="inspector-tlb"
        items={d.tlb.map((t) => (
          <span key={t.index} className={t.stale ? 'bad' : undefined}>
            cpu {t.cpu}: {vpnHex(t.vpn)}
            {t.stale ? ' (stale)' : ''}
          </span>
        ))}
      />
      {d.dma && (
        <p>
          DMA: {d.dma.name}, device address 0x{d.dma.daddr.toString(16)}
        </p>
      )}
      {d.violations.length > 0 && (
        <Section title="Violations" empty="" testid="inspector-violations" items={d.violations.map((v, i) => (
          <span key={i} className="bad">
            {v.id}: {v.message}
          </span>
        ))} />
      )}
      <details className="slot-words">
        <summary>Metadata slot (16 words)</summary>
        <table className="twin-table compact" data-testid="inspector-slot">
          <tbody>
            {sl.words.map((w, i) => (
              <tr key={i}>
                <td className="num">{i}</td>
                <td>{WORD_NAMES[i]}</td>
                <td className="num">0x{w.toString(16)}</td>
                <td className="muted">{i === 4 ? VTABLE_NAMES[w] ?? '' : i === 3 ? sl.storage : i === 2 ? sl.usage : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">Linear-map address {d.linear}</p>
      </details>
    </aside>
  );
}

function Section(props: { title: string; empty: string; items: React.ReactNode[]; testid: string }) {
  return (
    <div className="insp-section" data-testid={props.testid}>
      <h4>{props.title}</h4>
      {props.items.length === 0 ? (
        <p className="muted">{props.empty}</p>
      ) : (
        <ul>
          {props.items.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
