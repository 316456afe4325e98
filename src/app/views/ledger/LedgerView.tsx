// The ownership ledger: live handles by kind, the obligation multiset, forgotten references, and
// the invariant checklist (every ID of the catalogue: pass, fail or warning). Clicking a violation
// selects it: every view highlights the frames and handles it blames, and the clause is explained
// here in plain words with its vostd counterpart.
import { memo } from 'react';
import type {
  HandleInfo,
  HandleKind,
  InvariantStatus,
  Snapshot,
  ViolationInfo,
} from '../../../bridge/snapshot';
import { Panel, viewMemo } from '../common';
import { paddr, selectedViolation, type Highlight, type Selection } from '../model';
import { EXPLANATIONS } from './explanations';

const KIND_ORDER: HandleKind[] = [
  'frame',
  'unique',
  'segment',
  'vmspace',
  'cursor',
  'reader',
  'writer',
  'dma',
];
const KIND_TITLE: Record<HandleKind, string> = {
  frame: 'UFrame',
  unique: 'UniqueFrame',
  segment: 'Segment',
  vmspace: 'VmSpace',
  cursor: 'Cursor',
  reader: 'VmReader',
  writer: 'VmWriter',
  dma: 'DMA object',
};
const MAX_LIST = 300;

export const LedgerView = viewMemo(
  function LedgerView({
    snapshot: s,
    selection,
    highlight,
    onSelect,
  }: {
    snapshot: Snapshot;
    selection: Selection;
    highlight: Highlight;
    onSelect: (x: Selection) => void;
  }) {
    const failing = s.invariants.filter((i) => i.status === 'fail').length;
    const warning = s.invariants.filter((i) => i.status === 'warn').length;
    const selected =
      selection?.kind === 'violation' && selectedViolation(s, selection) ? selection.index : -1;
    const summary = `${s.handles.length} live handle${s.handles.length === 1 ? '' : 's'}; ${failing ? `${failing} invariant${failing === 1 ? '' : 's'} failing` : 'every invariant holds'}${warning ? `, ${warning} warning${warning === 1 ? '' : 's'}` : ''}`;
    return (
      <Panel id="ledger" title="Ownership ledger" summary={summary} className="panel-ledger">
        <div className="ledger-grid">
          <section aria-label="Invariants" className="ledger-invariants">
            <h3>Invariants</h3>
            <Invariants
              invariants={s.invariants}
              violations={s.violations}
              selected={selected >= 0 ? s.violations[selected]?.id : undefined}
              onSelect={onSelect}
            />
          </section>
          <Violations
            violations={s.violations}
            violationTotal={s.violationTotal}
            selected={selected}
            explain={selected >= 0 && s.violations[selected] ? s : null}
            onSelect={onSelect}
          />
          <Handles handles={s.handles} highlight={highlight.handles} onSelect={onSelect} />
          <section aria-label="Obligations and forgotten references" className="ledger-obligations">
            <Obligations
              obligations={s.obligations}
              count={s.obligationRunCount}
              onSelect={onSelect}
            />
            <Forgotten forgotten={s.forgotten} onSelect={onSelect} />
          </section>
        </div>
      </Panel>
    );
  },
  (s) => [
    s.invariants,
    s.violations,
    s.violationTotal,
    s.handles,
    s.obligations,
    s.obligationRunCount,
    s.forgotten,
  ],
);

// The ledger's sections, each rendered again only when its own parts change (an alloc changes the
// handles and the obligations, not the violations or the forgotten references).

const Violations = memo(function Violations({
  violations,
  violationTotal,
  selected,
  explain,
  onSelect,
}: {
  violations: ViolationInfo[];
  violationTotal: number;
  selected: number;
  /** The snapshot, when a violation is selected (its explanation reads it). */
  explain: Snapshot | null;
  onSelect: (x: Selection) => void;
}) {
  return (
    <section aria-label="Violations" className="ledger-violations">
      <h3>Violations {violationTotal > 0 && <span className="muted">({violationTotal})</span>}</h3>
      {violations.length === 0 ? (
        <p className="muted" data-testid="ledger-violations">
          None: every invariant holds after the last command.
        </p>
      ) : (
        <ol className="violations" data-testid="ledger-violations">
          {violations.map((v, i) => (
            <li
              key={i}
              className={`${v.severity === 'warning' ? 'warn' : 'bad'}${i === selected ? ' selected' : ''}`}
            >
              <button
                type="button"
                className="link"
                aria-pressed={i === selected}
                onClick={() =>
                  onSelect(i === selected ? null : { kind: 'violation', index: i, id: v.id })
                }
              >
                <strong>{v.id}</strong>: {v.message}
              </button>
            </li>
          ))}
          {violationTotal > violations.length && (
            <li className="muted">… {violationTotal - violations.length} more</li>
          )}
        </ol>
      )}
      {explain && <Explain s={explain} index={selected} onSelect={onSelect} />}
    </section>
  );
});

const Handles = memo(function Handles({
  handles,
  highlight,
  onSelect,
}: {
  handles: HandleInfo[];
  highlight: ReadonlySet<string>;
  onSelect: (x: Selection) => void;
}) {
  return (
    <section aria-label="Live handles" className="ledger-handles">
      <h3>Live handles</h3>
      <div data-testid="ledger-handles">
        {handles.length === 0 && <p className="muted">none</p>}
        {KIND_ORDER.map((k) => {
          const hs = handles.filter((h) => h.kind === k);
          return hs.length === 0 ? null : (
            <HandleGroup key={k} kind={k} handles={hs} highlight={highlight} onSelect={onSelect} />
          );
        })}
      </div>
    </section>
  );
});

const Obligations = memo(function Obligations({
  obligations,
  count,
  onSelect,
}: {
  obligations: Float64Array;
  count: number;
  onSelect: (x: Selection) => void;
}) {
  let oblTotal = 0;
  for (let k = 0; k < count; k++)
    oblTotal += (obligations[k * 3 + 1]! - obligations[k * 3]!) * obligations[k * 3 + 2]!;
  return (
    <>
      <h3>
        Obligations <span className="muted">({oblTotal})</span>
      </h3>
      <ul data-testid="ledger-obligations">
        {count === 0 && <li className="muted">none</li>}
        {Array.from({ length: Math.min(count, MAX_LIST) }, (_, k) => {
          const a = obligations[k * 3]!;
          const b = obligations[k * 3 + 1]!;
          const n = obligations[k * 3 + 2]!;
          return (
            <li key={a}>
              <button
                type="button"
                className="link"
                onClick={() => onSelect({ kind: 'frame', pfn: a })}
              >
                {b - a === 1 ? paddr(a) : `${paddr(a)}..${paddr(b)}`}
              </button>{' '}
              ×{n}
            </li>
          );
        })}
      </ul>
    </>
  );
});

const Forgotten = memo(function Forgotten({
  forgotten,
  onSelect,
}: {
  forgotten: Snapshot['forgotten'];
  onSelect: (x: Selection) => void;
}) {
  return (
    <>
      <h3>Forgotten references</h3>
      <ul data-testid="ledger-forgotten">
        {forgotten.length === 0 && <li className="muted">none</li>}
        {forgotten.slice(0, MAX_LIST).map((f) => (
          <li key={f.pfn}>
            <button
              type="button"
              className="link"
              onClick={() => onSelect({ kind: 'frame', pfn: f.pfn })}
            >
              {paddr(f.pfn)}
            </button>{' '}
            ×{f.count} <span className="muted">({f.by.join('; ')})</span>
          </li>
        ))}
      </ul>
    </>
  );
});

/** The live handles of one kind: rendered again only when one of them (or the highlight) changes. */
const HandleGroup = memo(
  function HandleGroup({
    kind,
    handles: hs,
    highlight,
    onSelect,
  }: {
    kind: HandleKind;
    handles: HandleInfo[];
    highlight: ReadonlySet<string>;
    onSelect: (x: Selection) => void;
  }) {
    return (
      <div className="handle-group">
        <h4>
          {KIND_TITLE[kind]} <span className="muted">{hs.length}</span>
        </h4>
        <ul>
          {hs.slice(0, MAX_LIST).map((h) => (
            <li
              key={h.name}
              data-handle={h.name}
              className={highlight.has(h.name) ? 'hl' : undefined}
            >
              <button
                type="button"
                className="link"
                onClick={() => onSelect({ kind: 'handle', name: h.name })}
                title={h.site}
              >
                {h.text}
              </button>
            </li>
          ))}
          {hs.length > MAX_LIST && <li className="muted">… {hs.length - MAX_LIST} more</li>}
        </ul>
      </div>
    );
  },
  // A fresh list each time, of the same (interned) handles when nothing changed.
  (a, b) =>
    a.kind === b.kind &&
    a.highlight === b.highlight &&
    a.onSelect === b.onSelect &&
    a.handles.length === b.handles.length &&
    a.handles.every((h, i) => h === b.handles[i]),
);

/** The checklist: every ID of the catalogue, rendered again only when a status changes. */
const Invariants = memo(function Invariants({
  invariants,
  violations,
  selected,
  onSelect,
}: {
  invariants: InvariantStatus[];
  violations: ViolationInfo[];
  selected: string | undefined;
  onSelect: (x: Selection) => void;
}) {
  return (
    <table
      className="twin-table compact"
      data-testid="ledger-invariants"
      aria-label="Invariant checklist"
    >
      <tbody>
        {invariants.map((inv) => {
          const first = violations.findIndex((v) => v.id === inv.id);
          const mark =
            inv.status === 'pass'
              ? '✓'
              : inv.status === 'warn'
                ? '⚠'
                : inv.status === 'fail'
                  ? '✗'
                  : '·';
          return (
            <tr
              key={inv.id}
              data-id={inv.id}
              data-status={inv.status}
              className={`inv-${inv.status}${selected === inv.id ? ' hl' : ''}`}
            >
              <td aria-hidden="true" className="inv-mark">
                {mark}
              </td>
              <td>
                {first >= 0 ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => onSelect({ kind: 'violation', index: first, id: inv.id })}
                  >
                    {inv.id}
                  </button>
                ) : (
                  <span title={EXPLANATIONS[inv.id]?.plain}>{inv.id}</span>
                )}
              </td>
              <td>
                {inv.status}
                {inv.count > 1 ? ` ×${inv.count}` : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
});

function Explain({
  s,
  index,
  onSelect,
}: {
  s: Snapshot;
  index: number;
  onSelect: (x: Selection) => void;
}) {
  const v = s.violations[index]!;
  const e = EXPLANATIONS[v.id];
  const inv = s.invariants.find((i) => i.id === v.id);
  return (
    <div
      className="explain"
      data-testid="violation-explanation"
      role="region"
      aria-label={`About ${v.id}`}
    >
      <h4>
        {v.id} <span className="muted">({v.severity})</span>
      </h4>
      <p>{v.message}</p>
      {e && (
        <>
          <p>
            <strong>What must hold:</strong> {e.plain}
          </p>
          <p>
            <strong>Why:</strong> {e.why}
          </p>
          <p>
            <strong>In vostd:</strong> {e.vostd}
            {inv?.mirrors ? <span className="muted"> (checker: {inv.mirrors})</span> : null}
          </p>
        </>
      )}
      {(v.frames.length > 0 || v.handles.length > 0) && (
        <p>
          <strong>Blamed:</strong>{' '}
          {v.frames.slice(0, 20).map((p) => (
            <button
              key={`f${p}`}
              type="button"
              className="link chip"
              onClick={() => onSelect({ kind: 'frame', pfn: p })}
            >
              {paddr(p)}
            </button>
          ))}
          {v.handles.map((h) => (
            <button
              key={`h${h}`}
              type="button"
              className="link chip"
              onClick={() => onSelect({ kind: 'handle', name: h })}
            >
              {h}
            </button>
          ))}
        </p>
      )}
    </div>
  );
}
