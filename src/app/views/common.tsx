// Pieces every view uses: a panel frame, a text twin, the size of a canvas box, and a canvas
// context scaled for the device pixel ratio.
import {
  memo,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type FunctionComponent,
  type ReactNode,
  type RefObject,
} from 'react';
import type { Snapshot } from '../../bridge/snapshot';
import { download, panelPng, panelText } from './export';

/**
 * React.memo for a view of the snapshot: it renders again only when another prop changed or one of
 * the parts `uses` picks from its snapshot did (by identity: Views interns each snapshot against
 * the one before, so an unchanged part is the same object).
 */
export function viewMemo<P extends { snapshot: Snapshot }>(
  view: FunctionComponent<P>,
  uses: (s: Snapshot, props: P) => readonly unknown[],
) {
  return memo(view, (a, b) => {
    for (const k of Object.keys(b) as (keyof P)[])
      if (k !== 'snapshot' && a[k] !== b[k]) return false;
    if (Object.keys(a).length !== Object.keys(b).length) return false;
    if (a.snapshot === b.snapshot) return true;
    const x = uses(a.snapshot, a);
    const y = uses(b.snapshot, b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

/** While `open`, Escape or a press outside `root` calls `close`, as a menu does. */
export function useDismiss(
  open: boolean,
  root: RefObject<HTMLElement | null>,
  close: (root: HTMLElement | null) => void,
) {
  useEffect(() => {
    if (!open) return;
    const dismiss = (e: Event) => {
      if (
        e instanceof KeyboardEvent ? e.key === 'Escape' : !root.current?.contains(e.target as Node)
      )
        close(root.current);
    };
    document.addEventListener('pointerdown', dismiss);
    document.addEventListener('keydown', dismiss);
    return () => {
      document.removeEventListener('pointerdown', dismiss);
      document.removeEventListener('keydown', dismiss);
    };
  }, [open, root, close]);
}

const closeDetails = (el: HTMLElement | null): void => el?.removeAttribute('open');

/** Export a panel: a PNG of its figure, its text copied or downloaded (memo: a panel's new content does not touch it). */
const ExportMenu = memo(function ExportMenu({
  id,
  panel,
}: {
  id: string;
  panel: RefObject<HTMLElement | null>;
}) {
  const [said, setSaid] = useState('');
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDetailsElement>(null);
  // It floats over the panel: a press elsewhere or Escape closes it, as the header's menus do.
  useDismiss(open, box, closeDetails);
  const run = (f: (el: HTMLElement) => Promise<string>) => () => {
    const el = panel.current;
    if (el) f(el).then(setSaid, (err: unknown) => setSaid(`failed: ${String(err)}`));
  };
  return (
    <details
      ref={box}
      className="export"
      data-testid={`export-${id}`}
      onToggle={(e) => {
        setSaid('');
        setOpen(e.currentTarget.open);
      }}
    >
      <summary role="button" aria-expanded={open}>
        Export
      </summary>
      <div className="export-menu">
        <button
          type="button"
          data-testid="export-png"
          onClick={run(
            async (el) => (download(await panelPng(el), `pagelab-${id}.png`), 'PNG saved'),
          )}
        >
          PNG
        </button>
        <button
          type="button"
          data-testid="export-copy"
          onClick={run(
            async (el) => (await navigator.clipboard.writeText(panelText(el)), 'Copied'),
          )}
        >
          Copy text
        </button>
        <button
          type="button"
          data-testid="export-text"
          onClick={run(
            async (el) => (
              download(new Blob([panelText(el)], { type: 'text/plain' }), `pagelab-${id}.txt`),
              'Text saved'
            ),
          )}
        >
          Text file
        </button>
        <span role="status" className="muted" data-testid="export-status">
          {said}
        </span>
      </div>
    </details>
  );
});

export function Panel(props: {
  id: string;
  title: string;
  summary?: ReactNode;
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement>(null);
  return (
    <section
      ref={ref}
      className={`view-panel ${props.className ?? ''}`}
      aria-labelledby={`${props.id}-title`}
      data-testid={`view-${props.id}`}
    >
      <header className="view-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.summary !== undefined && <span className="view-summary">{props.summary}</span>}
        {props.actions !== undefined && <span className="view-actions">{props.actions}</span>}
        <ExportMenu id={props.id} panel={ref} />
      </header>
      <div className="view-body">{props.children}</div>
    </section>
  );
}

/**
 * The table or list a screen reader and a test read: collapsible under a canvas, rendered only when
 * open. Its summary says it is a button (and whether it is open): a summary has no role of its own
 * for tools that look things up by role, so "Frames table" could not be found as something to press.
 */
export function Twin(props: {
  label: string;
  testid: string;
  open?: boolean;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(props.open ?? false);
  return (
    <details
      className="twin"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
      data-testid={`${props.testid}-twin`}
    >
      <summary role="button" aria-expanded={open}>
        {props.label}
      </summary>
      {open && <div className="twin-body">{props.children}</div>}
    </details>
  );
}

/** The CSS size of an element, kept up to date. */
export function useBoxSize<T extends HTMLElement>(): [
  RefObject<T | null>,
  { width: number; height: number },
] {
  const ref = useRef<T | null>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = (): void => {
      const r = el.getBoundingClientRect();
      setSize((s) =>
        Math.abs(s.width - r.width) < 0.5 && Math.abs(s.height - r.height) < 0.5
          ? s
          : { width: r.width, height: r.height },
      );
    };
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/** What prepareCanvas last made of a canvas: its sizes and its context. */
interface Prepared {
  w: number;
  h: number;
  cw: string;
  ch: string;
  ctx: CanvasRenderingContext2D;
}
const preparedCanvases = new WeakMap<HTMLCanvasElement, Prepared>();

/**
 * Sizes a canvas to CSS width×height at the device pixel ratio; returns its 2D context, scaled.
 * The sizes it set and the context are remembered: a canvas drawn again at the same size is not
 * asked for them (reading its inline style alone costs ~25 µs here, on every redraw).
 */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  const cw = `${width}px`;
  const ch = `${height}px`;
  const p = preparedCanvases.get(canvas);
  let ctx: CanvasRenderingContext2D | null;
  if (p && p.w === w && p.h === h && p.cw === cw && p.ch === ch) ctx = p.ctx;
  else {
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    // Only when they change: a style write makes the next layout recompute the canvas's box.
    if (canvas.style.width !== cw) canvas.style.width = cw;
    if (canvas.style.height !== ch) canvas.style.height = ch;
    ctx = canvas.getContext('2d');
    if (!ctx) return null;
    preparedCanvases.set(canvas, { w, h, cw, ch, ctx });
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Frame-time samples a view records while it draws (read by the e2e budgets). */
export function recordDraw(view: string, ms: number): void {
  const w = window as unknown as { __pagelabDraw?: Record<string, number[]> };
  const all = (w.__pagelabDraw ??= {});
  const a = (all[view] ??= []);
  a.push(ms);
  if (a.length > 2000) a.splice(0, a.length - 2000);
}

/** Runs `f`, recording how long it took under `view` (as recordDraw). */
export function timed<T>(view: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  recordDraw(view, performance.now() - t0);
  return out;
}

/** What a canvas view's pointer is over: where, and its one-line summary. */
export type Hover = { x: number; y: number; text: string } | null;

/** The summary beside the pointer, kept inside a box `boxWidth` wide (a tip is at most `tipWidth`). */
export function HoverTip(props: { hover: Hover; boxWidth: number; tipWidth: number }) {
  const { hover } = props;
  if (!hover) return null;
  return (
    <div
      className="tooltip"
      style={{
        left: Math.min(hover.x + 12, Math.max(0, props.boxWidth - props.tipWidth)),
        top: hover.y + 14,
      }}
      role="status"
    >
      {hover.text}
    </div>
  );
}
