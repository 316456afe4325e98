// Physical frames: every frame a cell on a canvas, coloured by usage and refcount (several frames
// a pixel on big machines: the most telling class wins); hover for a summary, click to inspect.
// The text twin lists the runs of frames that are not free, with what holds them.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { FrameDetail, Snapshot } from '../../../bridge/snapshot';
import {
  USAGE_NAMES,
  rcText,
  slotRc,
  SLOT_WORDS,
  W_OBLIG,
  W_PATHS,
  W_USAGE,
} from '../../../bridge/shared_layout';
import {
  HoverTip,
  Panel,
  Twin,
  prepareCanvas,
  recordDraw,
  timed,
  useBoxSize,
  viewMemo,
  type Hover,
} from '../common';
import { num, paddr, pairs, sharedOf, type Highlight, type Selection } from '../model';
import { usePalette, type Palette } from '../palette';
import {
  CLASSES,
  FC_FREE,
  bucket,
  cellAt,
  cellFrames,
  cellOf,
  classPixels,
  gridFor,
  paintPixels,
  representative,
  type Grid,
} from './raster';
import { FrameInspector } from './Inspector';

const MAX_TWIN_ROWS = 400;

export interface FramesViewProps {
  snapshot: Snapshot;
  selection: Selection;
  highlight: Highlight;
  onSelect: (s: Selection) => void;
  inspect?: (pfn: number) => Promise<FrameDetail | null>;
}

function selectedFrame(selection: Selection): number | null {
  return selection?.kind === 'frame' || selection?.kind === 'mapping' ? selection.pfn : null;
}

export const FramesView = viewMemo(
  function FramesView({ snapshot: s, selection, highlight, onSelect, inspect }: FramesViewProps) {
    const [boxRef, size] = useBoxSize<HTMLDivElement>();
    const canvasRef = useRef<HTMLCanvasElement>(null);
    const [hover, setHover] = useState<Hover>(null);
    const n = s.config.nframes;
    // One class byte a frame, computed by the worker for this snapshot.
    const classes = useMemo(() => new Uint8Array(s.shared.classes), [s.shared.classes]);
    const grid = useMemo(() => gridFor(n, size.width, size.height), [n, size.width, size.height]);
    const cells = useMemo(
      () => timed('frames-bucket', () => bucket(classes, grid, new Uint8Array(grid.cells))),
      [classes, grid],
    );
    const lastFrames = s.last?.frames;
    const changed = useMemo(() => (lastFrames ? pairs(lastFrames) : []), [lastFrames]);
    const selectedPfn = selectedFrame(selection);
    const palette = usePalette();

    useEffect(() => {
      const canvas = canvasRef.current;
      if (!canvas || size.width < 2 || size.height < 2) return;
      const t0 = performance.now();
      const ctx = prepareCanvas(canvas, size.width, size.height);
      if (!ctx) return;
      const next: Drawn = {
        grid,
        palette,
        width: size.width,
        height: size.height,
        backing: `${canvas.width}x${canvas.height}`,
        cells: cells.slice(0, grid.cells),
        marked: markedCells(grid, [changed, highlight.frames]),
      };
      const last = drawnOn.get(canvas);
      const dirty = last && dirtyCells(last, next);
      if (dirty) redrawCells(ctx, palette, grid, cells, dirty, highlight.frames, changed);
      else
        drawFrames(
          ctx,
          palette,
          bitmap(canvas, grid),
          grid,
          cells,
          size.width,
          size.height,
          highlight.frames,
          changed,
          selectedPfn,
        );
      drawnOn.set(canvas, next);
      recordDraw('frames', performance.now() - t0);
    }, [palette, grid, cells, size.width, size.height, highlight, changed, selectedPfn]);

    const pointFrame = (e: React.MouseEvent<HTMLCanvasElement>): number => {
      const r = e.currentTarget.getBoundingClientRect();
      const c = cellAt(grid, e.clientX - r.left, e.clientY - r.top);
      return c < 0 ? -1 : representative(classes, grid, c);
    };
    const onMove = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      const p = pointFrame(e);
      if (p < 0) return setHover(null);
      const r = e.currentTarget.getBoundingClientRect();
      const c = cellOf(grid, p);
      const [a, b] = cellFrames(grid, c);
      setHover({
        x: e.clientX - r.left,
        y: e.clientY - r.top,
        text:
          (b - a > 1 ? `${paddr(a)}..${paddr(b)} (${b - a} frames): ` : '') +
          frameSummary(s, classes, p),
      });
    };
    const onClick = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      const p = pointFrame(e);
      if (p >= 0) onSelect({ kind: 'frame', pfn: p });
    };
    const onKey = (e: React.KeyboardEvent<HTMLCanvasElement>): void => {
      if (selectedPfn === null) return;
      const step =
        e.key === 'ArrowRight'
          ? 1
          : e.key === 'ArrowLeft'
            ? -1
            : e.key === 'ArrowDown'
              ? grid.cols * grid.per
              : e.key === 'ArrowUp'
                ? -grid.cols * grid.per
                : 0;
      if (!step) return;
      e.preventDefault();
      onSelect({ kind: 'frame', pfn: Math.min(n - 1, Math.max(0, selectedPfn + step)) });
    };

    const c = s.counts;
    const summary = `${num(n)} frames · ${num(c.shared + c.unique)} data in use · ${c.pageTable} page-table · ${num(c.free)} free${grid.per > 1 ? ` · ${grid.per} frames a pixel` : ''}`;
    return (
      <Panel id="frames" title="Physical frames" summary={summary} className="panel-frames">
        <div className="frames-layout">
          <div className="frames-main">
            <div className="canvas-box frames-box" ref={boxRef}>
              <canvas
                ref={canvasRef}
                data-testid="frames-canvas"
                data-grid={`${grid.cols}x${grid.rows}x${grid.cell}x${grid.per}`}
                tabIndex={0}
                role="img"
                aria-label={`Physical frames: ${summary}. The table below lists them.`}
                onMouseMove={onMove}
                onMouseLeave={() => setHover(null)}
                onClick={onClick}
                onKeyDown={onKey}
              />
              <HoverTip hover={hover} boxWidth={size.width} tipWidth={260} />
            </div>
            <Legend counts={s.classCounts} colors={palette.classes} />
          </div>
          <FrameInspector snapshot={s} pfn={selectedPfn} inspect={inspect} onSelect={onSelect} />
        </div>
        <Twin label="Frames table" testid="frames">
          <FramesTable snapshot={s} highlight={highlight} onSelect={onSelect} />
        </Twin>
      </Panel>
    );
  },
  // The inspector shows everything about its frame: with one open, every snapshot counts.
  (s, p) =>
    selectedFrame(p.selection) !== null
      ? [s]
      : [
          s.config,
          s.shared.classes,
          s.shared.meta,
          s.counts,
          s.classCounts,
          s.last?.frames,
          s.handles,
          s.frameRuns,
          s.frameRunCount,
          s.frameRunsTruncated,
          s.dma.objects,
        ],
);

/** One pixel a cell: an image and a canvas to scale it from, kept per canvas while the grid stays. */
interface Bitmap {
  img: ImageData;
  off: OffscreenCanvas;
  ctx: OffscreenCanvasRenderingContext2D;
}
const bitmaps = new WeakMap<HTMLCanvasElement, Bitmap>();

function bitmap(canvas: HTMLCanvasElement, g: Grid): Bitmap | null {
  if (g.cells === 0) return null;
  let b = bitmaps.get(canvas);
  if (!b || b.img.width !== g.cols || b.img.height !== g.rows) {
    const off = new OffscreenCanvas(g.cols, g.rows);
    b = { img: new ImageData(g.cols, g.rows), off, ctx: off.getContext('2d')! };
    bitmaps.set(canvas, b);
  }
  return b;
}

/**
 * The classes' colours and counts. A class with no frames is listed hidden rather than left out:
 * a class that comes and goes with a command (freed, unique…) then changes an attribute, not
 * elements made and dropped on every publication.
 */
const Legend = memo(function Legend({
  counts,
  colors,
}: {
  counts: number[];
  colors: readonly string[];
}) {
  return (
    <ul className="legend" aria-label="Colours">
      {CLASSES.map((c, i) => (
        <LegendItem
          key={c.name}
          name={c.name}
          what={c.what}
          color={colors[i]!}
          count={counts[i] ?? 0}
          shown={!!counts[i] || i === FC_FREE}
        />
      ))}
    </ul>
  );
});

/** One colour of the legend: rendered again only when its count (or colour) changes. */
const LegendItem = memo(function LegendItem(props: {
  name: string;
  what: string;
  color: string;
  count: number;
  shown: boolean;
}) {
  return (
    <li title={props.what} hidden={!props.shown}>
      <span className="swatch" style={{ background: props.color }} />
      {props.name} <span className="muted">{num(props.count)}</span>
    </li>
  );
});

function frameSummary(s: Snapshot, classes: Uint8Array, p: number): string {
  const sh = sharedOf(s);
  const b = p * SLOT_WORDS;
  const rc = slotRc(sh.meta, p);
  const usage = USAGE_NAMES[sh.meta[b + W_USAGE]!] ?? '?';
  const paths = sh.meta[b + W_PATHS]!;
  const obl = sh.meta[b + W_OBLIG]!;
  const holders = s.handles
    .filter((h) => h.pfn !== undefined && p >= h.pfn && p < h.pfn + (h.pages ?? 1))
    .map((h) => h.name);
  return `${paddr(p)} ${CLASSES[classes[p]!]!.name}: ${usage}, refcount ${rcText(rc)}${paths ? `, mapped ×${paths}` : ''}${obl ? `, obligations ${obl}` : ''}${holders.length ? `, held by ${holders.join(', ')}` : ''}`;
}

/** The cell borders of a grid as one path, made once per grid. */
const borderPaths = new WeakMap<Grid, Path2D>();

function borders(g: Grid): Path2D {
  let path = borderPaths.get(g);
  if (!path) {
    path = new Path2D();
    for (let c = 1; c <= g.cols; c++) {
      path.moveTo(c * g.cell - 0.5, 0);
      path.lineTo(c * g.cell - 0.5, g.rows * g.cell);
    }
    for (let r = 1; r <= g.rows; r++) {
      path.moveTo(0, r * g.cell - 0.5);
      path.lineTo(g.cols * g.cell, r * g.cell - 0.5);
    }
    borderPaths.set(g, path);
  }
  return path;
}

/** What a frames canvas shows, to redraw only the cells that changed next time. */
interface Drawn {
  grid: Grid;
  palette: Palette;
  width: number;
  height: number;
  /** The canvas's own pixels (a new device pixel ratio resizes, and so clears, them). */
  backing: string;
  /** Each cell's class, as drawn. */
  cells: Uint8Array;
  /** The cells with a mark (changed or highlighted), ascending; null: too many to list. */
  marked: number[] | null;
}
const drawnOn = new WeakMap<HTMLCanvasElement, Drawn>();

/** Past this many cells to redraw, the whole canvas is drawn again. */
const MAX_DIRTY = 512;

/** The cells the ranges of frames cover, ascending, each once (null: more than MAX_DIRTY). */
function markedCells(g: Grid, lists: [number, number][][]): number[] | null {
  const out = new Set<number>();
  for (const ranges of lists)
    for (const [a, b] of ranges) {
      const c1 = cellOf(g, Math.max(a, b - 1));
      for (let c = cellOf(g, a); c <= c1; c++) {
        out.add(c);
        if (out.size > MAX_DIRTY) return null;
      }
    }
  return [...out].sort((x, y) => x - y);
}

/**
 * The cells to redraw to turn what `last` drew into `next` (their class changed, or a mark came or
 * went), or null when the whole canvas must be drawn again: another grid, size or palette, too
 * many cells, or cells under 4 px (a mark is then a 3 px dot over its neighbours). From 6 px a
 * mark's 2 px line spills over the neighbours' borders, which redrawCells draws again; from 4 to
 * 5 px it stays inside its cell.
 */
function dirtyCells(last: Drawn, next: Drawn): number[] | null {
  const g = next.grid;
  if (
    last.grid !== g ||
    last.palette !== next.palette ||
    last.width !== next.width ||
    last.height !== next.height ||
    last.backing !== next.backing ||
    g.cell < 4 ||
    !last.marked ||
    !next.marked
  )
    return null;
  // A mark past the last cell (off the frames' image) is left to a whole drawing.
  if ((last.marked.at(-1) ?? 0) >= g.cells || (next.marked.at(-1) ?? 0) >= g.cells) return null;
  const dirty = new Set<number>([...last.marked, ...next.marked]);
  const a = last.cells;
  const b = next.cells;
  for (let c = 0; c < b.length; c++)
    if (a[c] !== b[c]) {
      dirty.add(c);
      if (dirty.size > MAX_DIRTY) return null;
    }
  return [...dirty];
}

/**
 * Draws `dirty` cells again as drawFrames would draw them: their colour, the borders around them
 * (which also cover what a mark spilled over a neighbour's border), then the marks, which are all
 * on dirty cells.
 */
function redrawCells(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  g: Grid,
  cells: Uint8Array,
  dirty: number[],
  hl: [number, number][],
  changed: [number, number][],
): void {
  const k = g.cell;
  for (const c of dirty) {
    ctx.fillStyle = pal.classes[cells[c]!]!;
    ctx.fillRect((c % g.cols) * k, Math.floor(c / g.cols) * k, k, k);
  }
  if (k >= 6) redrawBorders(ctx, pal, g, dirty);
  drawMarks(ctx, pal, g, hl, changed);
}

/** The borders around `dirty` cells (drawFrames draws them from 6 px cells). */
function redrawBorders(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  g: Grid,
  dirty: number[],
): void {
  const k = g.cell;
  const path = new Path2D();
  for (const c of dirty) {
    const x = (c % g.cols) * k;
    const y = Math.floor(c / g.cols) * k;
    // Left and top (a neighbour's border, where a mark spills), right and bottom (its own).
    path.moveTo(x - 0.5, y - 1);
    path.lineTo(x - 0.5, y + k);
    path.moveTo(x + k - 0.5, y - 1);
    path.lineTo(x + k - 0.5, y + k);
    path.moveTo(x - 1, y - 0.5);
    path.lineTo(x + k, y - 0.5);
    path.moveTo(x - 1, y + k - 0.5);
    path.lineTo(x + k, y + k - 0.5);
  }
  ctx.strokeStyle = pal.grid;
  ctx.lineWidth = 1;
  ctx.stroke(path);
}

function drawFrames(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  bm: Bitmap | null,
  g: Grid,
  cells: Uint8Array,
  width: number,
  height: number,
  hl: [number, number][],
  changed: [number, number][],
  selected: number | null,
): void {
  ctx.clearRect(0, 0, width, height);
  // One pixel a cell, painted as an image and scaled up without smoothing: one draw call.
  if (bm) {
    paintPixels(cells, g, bm.img.data, classPixels(pal.classes));
    bm.ctx.putImageData(bm.img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bm.off, 0, 0, g.cols * g.cell, g.rows * g.cell);
  }
  if (g.cell >= 6) {
    ctx.strokeStyle = pal.grid;
    ctx.lineWidth = 1;
    ctx.stroke(borders(g));
  }
  drawMarks(ctx, pal, g, hl, changed);
  if (selected !== null && g.cell < 4) {
    // A crosshair: a one-pixel selection is hard to see.
    const c = cellOf(g, selected);
    const x = (c % g.cols) * g.cell;
    const y = Math.floor(c / g.cols) * g.cell;
    ctx.strokeStyle = pal.select;
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 4.5, y - 4.5, 9, 9);
  }
}

/** What the last command changed (a yellow mark), then the highlight. */
function drawMarks(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  g: Grid,
  hl: [number, number][],
  changed: [number, number][],
): void {
  const mark = (ranges: [number, number][], color: string, inset: number): void => {
    ctx.strokeStyle = color;
    ctx.lineWidth = g.cell >= 6 ? 2 : 1;
    for (const [a, b] of ranges) {
      const c0 = cellOf(g, a);
      const c1 = cellOf(g, Math.max(a, b - 1));
      for (let c = c0; c <= c1 && c - c0 < 100_000; c++) {
        const x = (c % g.cols) * g.cell;
        const y = Math.floor(c / g.cols) * g.cell;
        if (g.cell >= 4)
          ctx.strokeRect(x + inset, y + inset, g.cell - 1 - 2 * inset, g.cell - 1 - 2 * inset);
        else {
          ctx.fillStyle = color;
          ctx.fillRect(x - 1, y - 1, 3, 3);
        }
      }
    }
  };
  mark(changed, pal.changed, 1.5);
  mark(hl, pal.select, 0.5);
}

function FramesTable({
  snapshot: s,
  highlight,
  onSelect,
}: {
  snapshot: Snapshot;
  highlight: Highlight;
  onSelect: (s: Selection) => void;
}) {
  const rows: React.ReactNode[] = [];
  const runs = s.frameRuns;
  let shown = 0;
  let hidden = 0;
  for (let k = 0; k < s.frameRunCount; k++) {
    const start = runs[k * 5]!;
    const end = runs[k * 5 + 1]!;
    const usage = runs[k * 5 + 2]!;
    const rc = runs[k * 5 + 3]!;
    const mapped = runs[k * 5 + 4]!;
    if (usage === 0 && rc === -1) continue; // free
    if (shown >= MAX_TWIN_ROWS) {
      hidden++;
      continue;
    }
    shown++;
    const holders = s.handles
      .filter((h) => h.pfn !== undefined && h.pfn < end && h.pfn + (h.pages ?? 1) > start)
      .map((h) => h.name);
    const dma = s.dma.objects
      .filter((d) => d.pfn < end && d.pfn + d.pages > start)
      .map((d) => d.name);
    const hl = highlight.frames.some(([a, b]) => a < end && b > start);
    rows.push(
      <tr key={start} data-pfn={start} className={hl ? 'hl' : undefined}>
        <td>
          <button
            type="button"
            className="link"
            onClick={() => onSelect({ kind: 'frame', pfn: start })}
          >
            {end - start === 1 ? paddr(start) : `${paddr(start)}..${paddr(end)}`}
          </button>
        </td>
        <td className="num">{end - start}</td>
        <td>{USAGE_NAMES[usage] ?? usage}</td>
        <td>{rcText(rc)}</td>
        <td>{mapped ? 'yes' : ''}</td>
        <td>{[...holders, ...dma.filter((d) => !holders.includes(d))].slice(0, 6).join(', ')}</td>
      </tr>,
    );
  }
  return (
    <>
      <table className="twin-table" data-testid="frames-table">
        <caption>Frames that are not free, in runs of the same usage and refcount</caption>
        <thead>
          <tr>
            <th>Frames</th>
            <th>Count</th>
            <th>Usage</th>
            <th>Refcount</th>
            <th>Mapped</th>
            <th>Held by</th>
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
      {(hidden > 0 || s.frameRunsTruncated) && (
        <p className="muted">… and {hidden || 'more'} runs not listed.</p>
      )}
      <p className="muted">
        Free: {num(s.counts.free)} never used, {num(s.counts.freed)} freed.
      </p>
    </>
  );
}
