// The timeline: every command of the script as a step. Buttons (and ←/→ outside the terminal) step
// back and forward, the slider and a click seek, the list shows each line's verdict (▲: it ran and
// an invariant fails after it; future lines dimmed, lines not run yet hollow), and the current
// step's result and effects are listed.
import { memo, useEffect, useRef, useState, type CSSProperties } from 'react';
import type { SessionStatus, TimelineEntry } from '../../../bridge/api';
import { currentEntry } from '../../store/session';

export interface TimelineProps {
  timeline: readonly TimelineEntry[];
  /** The position, and the line it is right after (SessionStatus). */
  step: number;
  current: SessionStatus['current'];
  length: number;
  onSeek: (step: number) => void;
  onBack: () => void;
  onForward: () => void;
}

const ROW = 22;

/** Small icons drawn as SVG (system fonts lack ⏮ ⏭ on some machines). */
function Icon({ d }: { d: string }) {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" fill="currentColor">
      <path d={d} />
    </svg>
  );
}
// Made once: the same element again is not rendered again.
const TO_START = <Icon d="M1 1h2v10H1zM11 1v10L4 6z" />;
const BACK = <Icon d="M10 1v10L2 6z" />;
const FORWARD = <Icon d="M2 1v10l8-5z" />;
const TO_END = <Icon d="M9 1h2v10H9zM1 1v10l7-5z" />;
const OVERSCAN = 8;

/**
 * The rows to render at a scroll position: those in view and at least OVERSCAN more each side, in
 * blocks of OVERSCAN rows, so that the scroll a new line makes (one row) mostly renders nothing.
 */
function rowsFor(top: number, height: number): { first: number; last: number } {
  return {
    first: Math.max(0, (Math.floor(top / ROW / OVERSCAN) - 1) * OVERSCAN),
    last: (Math.ceil((top + height) / ROW / OVERSCAN) + 1) * OVERSCAN,
  };
}

function mark(e: TimelineEntry): { sign: string; cls: string; label: string } {
  if (e.ok === undefined) return { sign: '○', cls: 'pending', label: 'not run yet' };
  if (e.kind === 'note') return { sign: '✎', cls: 'note', label: 'note' };
  if (e.kind === 'ask') return { sign: '?', cls: 'ask', label: 'question' };
  if (e.kind === 'expect')
    return e.ok
      ? { sign: '✓', cls: 'ok', label: 'pass' }
      : { sign: '✗', cls: 'bad', label: 'FAIL' };
  if (!e.ok) return { sign: '●', cls: 'bad', label: 'error' };
  // It ran, and left an invariant failing: the step where a bug lesson breaks the machine.
  return e.violated
    ? { sign: '▲', cls: 'violated', label: 'ok, an invariant fails after it' }
    : { sign: '●', cls: 'ok', label: 'ok' };
}

/** One step of the list (memo: after a command only the rows that changed render again). */
const Row = memo(function Row(props: {
  entry: TimelineEntry;
  index: number;
  current: boolean;
  future: boolean;
  onSeek: (step: number) => void;
}) {
  const { entry: e, index: i, current, future, onSeek } = props;
  const m = mark(e);
  const style: CSSProperties = { top: i * ROW, height: ROW };
  return (
    <div role="listitem" className="timeline-row" style={style}>
      <button
        type="button"
        className={`timeline-step ${m.cls}${current ? ' current' : ''}${future ? ' future' : ''}`}
        aria-current={current ? 'step' : undefined}
        data-step={e.step}
        title={e.summary || 'not run yet'}
        onClick={() => onSeek(e.step)}
      >
        <span className="timeline-num">{e.line}</span>
        <span className="timeline-mark" aria-label={m.label}>
          {m.sign}
        </span>
        <code>{e.source.trim()}</code>
      </button>
    </div>
  );
});

// Three parts, each rendered only when its own props change: a new line re-renders the bar, the
// rows that changed and the current step's text; scrolling re-renders only the list.
export function Timeline({
  timeline,
  step,
  current,
  length,
  onSeek,
  onBack,
  onForward,
}: TimelineProps) {
  return (
    <section className="timeline" aria-label="Timeline" data-testid="timeline">
      <Bar step={step} length={length} onSeek={onSeek} onBack={onBack} onForward={onForward} />
      <div className="timeline-body">
        <Steps timeline={timeline} step={step} onSeek={onSeek} />
        <Current current={current} />
      </div>
    </section>
  );
}

const Bar = memo(function Bar(props: {
  step: number;
  length: number;
  onSeek: (step: number) => void;
  onBack: () => void;
  onForward: () => void;
}) {
  const { step, length, onSeek, onBack, onForward } = props;
  const [drag, setDrag] = useState<number | null>(null);
  return (
    <div className="timeline-bar">
      <button
        type="button"
        onClick={() => onSeek(0)}
        disabled={step === 0}
        title="To the start (a fresh machine)"
        aria-label="To the start"
      >
        {TO_START}
      </button>
      <button
        type="button"
        onClick={onBack}
        disabled={step === 0}
        title="Step back (←)"
        aria-label="Step back"
        data-testid="step-back"
      >
        {BACK}
      </button>
      <button
        type="button"
        onClick={onForward}
        disabled={step >= length}
        title="Step forward (→)"
        aria-label="Step forward"
        data-testid="step-forward"
      >
        {FORWARD}
      </button>
      <button
        type="button"
        onClick={() => onSeek(length)}
        disabled={step >= length}
        title="To the end"
        aria-label="To the end"
      >
        {TO_END}
      </button>
      <input
        type="range"
        className="timeline-slider"
        min={0}
        max={length}
        value={drag ?? step}
        aria-label="Seek to a step"
        data-testid="timeline-slider"
        onChange={(e) => {
          const v = Number(e.target.value);
          setDrag(v);
          onSeek(v);
        }}
        onPointerUp={() => setDrag(null)}
        onKeyUp={() => setDrag(null)}
        onBlur={() => setDrag(null)}
      />
      <span className="timeline-pos" data-testid="timeline-position">
        step {step} / {length}
      </span>
    </div>
  );
});

/** The list of steps: virtualized, the current one kept in view. */
const Steps = memo(function Steps(props: {
  timeline: readonly TimelineEntry[];
  step: number;
  onSeek: (step: number) => void;
}) {
  const { timeline, step, onSeek } = props;
  const at = currentEntry(timeline, step);
  const list = useRef<HTMLDivElement>(null);
  const [rows, setRows] = useState(() => rowsFor(0, 200));
  const measure = (el: HTMLElement) => {
    const next = rowsFor(el.scrollTop, el.clientHeight);
    setRows((r) => (r.first === next.first && r.last === next.last ? r : next));
  };

  // Keep the current step in view. On the next frame: reading the list's scroll position right
  // after the commit would force a layout of the whole page inside it.
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const el = list.current;
      if (!el) return;
      // Before the first line (a lesson opened at its start): the top of the list.
      const y = Math.max(0, at) * ROW;
      if (y < el.scrollTop || y + ROW > el.scrollTop + el.clientHeight)
        el.scrollTop = Math.max(0, y - el.clientHeight / 2);
    });
    return () => cancelAnimationFrame(frame);
  }, [at]);

  useEffect(() => {
    const el = list.current;
    if (!el) return;
    const update = () => measure(el);
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const { first } = rows;
  const last = Math.min(timeline.length, rows.last);
  return (
    <div
      className="timeline-list"
      ref={list}
      role="list"
      aria-label="Steps"
      onScroll={(e) => measure(e.currentTarget)}
    >
      {timeline.length === 0 && <p className="muted timeline-empty">No commands yet.</p>}
      <div style={{ height: timeline.length * ROW, position: 'relative' }}>
        {timeline.slice(first, last).map((e, k) => (
          <Row
            key={e.step}
            entry={e}
            index={first + k}
            current={first + k === at}
            future={e.step > step}
            onSeek={onSeek}
          />
        ))}
      </div>
    </div>
  );
});

/** The current step's line, result and effects. */
const Current = memo(function Current({ current }: { current: SessionStatus['current'] }) {
  return (
    <div className="timeline-current" data-testid="timeline-current" aria-live="polite">
      {current ? (
        <>
          {current.kind === 'ask' ? (
            <p className="timeline-ask" data-testid="timeline-ask">
              <strong>Predict:</strong> {current.text.replace(/^ask /, '')}
              <br />
              <span className="muted">Think about it, then step forward (→) to see.</span>
            </p>
          ) : (
            <p className={current.ok ? 'ok' : 'bad'}>
              <span className="muted">line {current.step}:</span>{' '}
              <code>{current.source.trim()}</code>
              <br />
              {current.text.split('\n', 1)[0]}
            </p>
          )}
          {current.kind === 'ask' ? null : current.effects.length > 0 ? (
            <ul className="timeline-effects" aria-label="Effects of this step">
              {current.effects.map((x, i) => (
                <li key={i}>{x}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">No effects: this step changed nothing in the machine.</p>
          )}
        </>
      ) : (
        <p className="muted">Step 0: a fresh machine, nothing run yet.</p>
      )}
    </div>
  );
});
