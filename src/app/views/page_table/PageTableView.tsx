// The page-table tree of one address space: root → leaves, a column per level, huge leaves a
// column early and marked. The kernel half of a user space is borrowed: one collapsed mark per run
// of shared top-level entries. A node with many entries starts collapsed as one mark with its
// count and a density strip; click a node to open or close it, a leaf to select its mapping.
// Zoom and pan with the wheel and a drag (d3-zoom); everything is drawn on a canvas, only what is
// on screen, one mark per pixel row when zoomed far out. The last command's PTE writes are
// outlined in yellow, the last walk in cyan (red where it faulted), the selection in white.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { Snapshot, SpaceInfo } from '../../../bridge/snapshot';
import {
  PTE_USER,
  entryPages,
  pageSizeText,
  pteFlagsText,
  pteRwx,
  vpnHex,
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
import { Keeper, nodePages } from '../intern';
import {
  activeSpaceId,
  inRanges,
  meetsRanges,
  num,
  paddr,
  pairs,
  sharedOf,
  type Highlight,
  type Selection,
} from '../model';
import { usePalette, type Palette } from '../palette';
import {
  DENSITY_BUCKETS,
  K_LEAF,
  itemAt,
  layoutTree,
  lowerBound,
  type PteSource,
  type TreeLayout,
} from './layout';

export const COL_W = 172;
export const NODE_W = 150;
export const LEAF_W = 250;
export const ROW_H = 22;
const NODE_H = 18;
const MAX_TWIN_ROWS = 1500;

const M_CHANGED = 1;
const M_WALK = 2;
const M_SELECTED = 4;
const M_FAULT = 8;
/** How long the last command's marks pulse (ms). */
const PULSE_MS = 900;

const LEVEL_COLORS = ['', '#8a6416', '#0f7f75', '#1f5fbf', '#6e40c9'];

export interface PageTableViewProps {
  snapshot: Snapshot;
  selection: Selection;
  highlight: Highlight;
  onSelect: (s: Selection) => void;
}

function selKey(sel: Selection): string {
  return sel ? JSON.stringify(sel) : '';
}

export const PageTableView = viewMemo(
  function PageTableView({ snapshot: s, selection, highlight, onSelect }: PageTableViewProps) {
    // Which space: the one the user picked, unless a newer selection is about another space.
    const [choice, setChoice] = useState<{ id: string; sel: string } | null>(null);
    const key = selKey(selection);
    let spaceId: string;
    if (
      highlight.space &&
      s.spaces.some((x) => x.id === highlight.space) &&
      (!choice || choice.sel !== key)
    )
      spaceId = highlight.space;
    else if (choice && s.spaces.some((x) => x.id === choice.id)) spaceId = choice.id;
    else {
      const a = activeSpaceId(s, s.cpu);
      spaceId = a !== 'kernel' ? a : (s.spaces.find((x) => x.kind === 'user')?.id ?? 'kernel');
    }
    const space = s.spaces.find((x) => x.id === spaceId)!;

    const [overrides, setOverrides] = useState<ReadonlyMap<string, boolean>>(new Map());
    // The leaves come from the keeper's copy of this space's nodes (the same object while they are
    // the same), else from shared memory, which may change at any snapshot.
    const src: PteSource = nodePages(s, space.id) ?? sharedOf(s).frames;
    const last = s.last;
    const ptes = last?.ptes;
    const walked = last?.walk;
    // Kept when equal, so that nothing below redraws for nothing.
    const [keep] = useState(() => ({
      layout: new Keeper<TreeLayout>(),
      marks: new Keeper<Uint8Array>(),
    }));
    const layout = useMemo(
      () =>
        keep.layout.keep(
          timed('tree-layout', () => buildLayout(space, src, ptes, walked, overrides)),
        ),
      [keep, space, src, ptes, walked, overrides],
    );
    const marks = useMemo(
      () =>
        keep.marks.keep(timed('tree-marks', () => computeMarks(layout, space, last, highlight))),
      [keep, layout, space, last, highlight],
    );

    const [boxRef, size] = useBoxSize<HTMLDivElement>();
    const canvasRef = useRef<HTMLCanvasElement>(null);
    const tRef = useRef<ZoomTransform>(zoomIdentity);
    const zoomRef = useRef<ZoomBehavior<HTMLCanvasElement, unknown> | null>(null);
    const palette = usePalette();
    const drawState = useRef({ layout, marks, space, size, palette });
    const pending = useRef(0);
    const fitted = useRef('');
    const userMoved = useRef(false);
    const pulseStart = useRef(-1e9);
    const [hover, setHover] = useState<Hover>(null);

    const drawNow = useCallback(() => {
      pending.current = 0;
      const canvas = canvasRef.current;
      const st = drawState.current;
      if (!canvas || st.size.width < 2 || st.size.height < 2) return;
      const t0 = performance.now();
      const ctx = prepareCanvas(canvas, st.size.width, st.size.height);
      if (!ctx) return;
      // The last command's marks pulse for a moment after it ran.
      const pulse = Math.max(0, 1 - (t0 - pulseStart.current) / PULSE_MS);
      drawTree(
        ctx,
        st.palette,
        st.layout,
        st.marks,
        tRef.current,
        st.size.width,
        st.size.height,
        pulse,
      );
      recordDraw('tree', performance.now() - t0);
      if (pulse > 0) pending.current = requestAnimationFrame(drawNowRef.current);
    }, []);
    const drawNowRef = useRef(drawNow);
    const schedule = useCallback(() => {
      if (!pending.current) pending.current = requestAnimationFrame(drawNow);
    }, [drawNow]);

    useEffect(() => {
      const canvas = canvasRef.current;
      if (!canvas) return;
      const z = zoom<HTMLCanvasElement, unknown>()
        .scaleExtent([0.01, 4])
        .on('zoom', (e: { transform: ZoomTransform; sourceEvent: unknown }) => {
          tRef.current = e.transform;
          // A person moved the view: from now on only bring the last command's work into view.
          if (e.sourceEvent) userMoved.current = true;
          schedule();
        });
      zoomRef.current = z;
      const sel = select(canvas);
      sel.call(z).on('dblclick.zoom', null);
      return () => {
        sel.on('.zoom', null);
        cancelAnimationFrame(pending.current);
        pending.current = 0;
      };
    }, [schedule]);

    // Fit when the space changes (or the canvas first gets a size) and after every command until a
    // person zooms or pans; after that, only pan to what the last command touched when it is off screen.
    const fit = useCallback(() => {
      const canvas = canvasRef.current;
      const z = zoomRef.current;
      const st = drawState.current;
      if (!canvas || !z || st.size.width < 2) return;
      select(canvas).call(
        z.transform,
        fitTransform(st.layout, st.marks, st.size.width, st.size.height),
      );
    }, []);
    const refit = useCallback(() => {
      userMoved.current = false;
      fit();
    }, [fit]);
    useEffect(() => {
      drawState.current = { layout, marks, space, size, palette };
      if (size.width < 2) return;
      if (fitted.current !== spaceId) {
        fitted.current = spaceId;
        refit();
      } else if (!userMoved.current) fit();
      else {
        const f = focusItem(layout, marks);
        if (f >= 0 && !onScreen(layout, f, tRef.current, size.width, size.height)) fit();
      }
      // Only a new layout (a command, a seek, a toggle) or a new space re-fits, not a new selection.
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [spaceId, size.width, layout, fit, refit]);
    // Redrawn at once when what it shows changed (in the same task as the snapshot's arrival, not a
    // frame later), and only then; zooming and the pulse draw on animation frames.
    useEffect(() => {
      drawState.current = { layout, marks, space, size, palette };
      cancelAnimationFrame(pending.current);
      drawNow();
    }, [layout, marks, space, size, palette, drawNow]);
    useEffect(() => {
      // A new command: pulse what it changed, if anything here.
      if (!marks.some((m) => m & (M_CHANGED | M_WALK | M_FAULT))) return;
      pulseStart.current = performance.now();
      schedule();
      // Only a new last step starts a pulse, not a new selection.
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [last, schedule]);

    const toggle = (item: number): void => {
      const i = layout.skel[item]!;
      const k = nodeKey(space, i);
      setOverrides((m) => new Map(m).set(k, layout.open[item] !== 1));
    };
    const hit = (
      e: React.MouseEvent<HTMLCanvasElement>,
    ): { item: number; x: number; y: number } => {
      const r = e.currentTarget.getBoundingClientRect();
      const mx = e.clientX - r.left;
      const my = e.clientY - r.top;
      const t = tRef.current;
      const lx = (mx - t.x) / t.k;
      const ly = (my - t.y) / t.k;
      const depth = Math.floor(lx / COL_W);
      if (depth < 0) return { item: -1, x: mx, y: my };
      const item = itemAt(layout, depth, ly / ROW_H, Math.max(0.5, 2 / (t.k * ROW_H)));
      if (item < 0) return { item, x: mx, y: my };
      const w = layout.kind[item] === K_LEAF ? LEAF_W : NODE_W;
      return { item: lx - depth * COL_W <= w + 4 / t.k ? item : -1, x: mx, y: my };
    };
    const onClick = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      const { item } = hit(e);
      if (item < 0) return;
      if (layout.kind[item] === K_LEAF)
        onSelect({
          kind: 'mapping',
          space: space.id,
          vpn: layout.vpn[item]!,
          pfn: layout.pfn[item]!,
        });
      else {
        if (layout.open[item] !== 2) toggle(item);
        onSelect({ kind: 'frame', pfn: layout.pfn[item]! });
      }
    };
    const onMove = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      // No tooltip while dragging: panning should cost only the canvas.
      if (e.buttons) {
        if (hover) setHover(null);
        return;
      }
      const { item, x, y } = hit(e);
      if (item < 0) {
        if (hover) setHover(null);
        return;
      }
      const text = itemText(layout, space, item);
      if (!hover || hover.text !== text || Math.abs(hover.x - x) > 4 || Math.abs(hover.y - y) > 4)
        setHover({ x, y, text });
    };

    const walk = s.last?.walk && s.last.walk.space === space.id ? s.last.walk : null;
    const summary = `${space.label}: ${num(space.mapped)} mapping${space.mapped === 1 ? '' : 's'}, ${space.tree.count} node${space.tree.count === 1 ? '' : 's'}${space.activeOn.length ? `, active on cpu ${space.activeOn.join(',')}` : ''}`;
    return (
      <Panel
        id="page-table"
        title="Page table"
        summary={summary}
        actions={
          <>
            <label>
              <span className="sr-only">Address space</span>
              <select
                data-testid="pt-space"
                value={space.id}
                onChange={(e) => setChoice({ id: e.target.value, sel: key })}
              >
                {s.spaces.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.kind === 'user' ? `VmSpace ${x.label}` : x.label}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={refit}>
              Fit
            </button>
            <button
              type="button"
              onClick={() => setOverrides(openAll(space))}
              title="Open every node of this space (its own half)"
            >
              Expand all
            </button>
            <button
              type="button"
              onClick={() => setOverrides(new Map())}
              title="Back to the default open/closed nodes"
            >
              Reset
            </button>
          </>
        }
        className="panel-tree"
      >
        <div className="canvas-box tree-box" ref={boxRef}>
          <canvas
            ref={canvasRef}
            data-testid="pt-canvas"
            data-items={layout.count}
            role="img"
            aria-label={`Page-table tree of ${space.label}. The table below lists its nodes and leaves.`}
            onClick={onClick}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
          />
          <HoverTip hover={hover} boxWidth={size.width} tipWidth={280} />
          <div className="tree-legend" aria-hidden="true">
            <span className="k-changed">last command</span>{' '}
            <span className="k-walk">last walk</span> <span className="k-sel">selection</span>{' '}
            <span className="k-huge">huge page</span>
          </div>
        </div>
        {walk && (
          <p className="walk-line" data-testid="pt-walk">
            Last walk for {vpnHex(walk.vpn)}:{' '}
            {walk.indices.map((x, k) => `L${4 - k}[${x}]`).join(' → ')}{' '}
            {walk.ok ? `→ leaf at level ${walk.level}` : `stops at level ${walk.level} (no entry)`}
          </p>
        )}
        <Twin label="Page-table table" testid="pt">
          <PtTable
            layout={layout}
            space={space}
            marks={marks}
            onToggle={toggle}
            onSelect={onSelect}
          />
        </Twin>
      </Panel>
    );
    // A command that wrote PTEs or walked pulses here even when it repeats the one before; one that
    // changed a node's frame (its metadata) marks the node.
  },
  (s) => [
    s.spaces,
    s.last?.ptes.length || s.last?.walk || touchesNodes(s) ? s.last : null,
    s.cpu,
    s.active,
    ...s.spaces.map((x) => nodePages(s, x.id) ?? s),
  ],
);

/** Did the last command change the frame of a page-table node some space shows? */
function touchesNodes(s: Snapshot): boolean {
  let t = touched.get(s);
  if (t === undefined) {
    const f = s.last?.frames;
    const runs = f && f.length > 0 ? pairs(f) : null;
    t = !!runs && s.spaces.some((sp) => sp.tree.pfn.some((p) => inRanges(runs, p)));
    touched.set(s, t);
  }
  return t;
}

/** touchesNodes per snapshot: the memo asks it of each snapshot twice. */
const touched = new WeakMap<Snapshot, boolean>();

function openAll(space: SpaceInfo): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (let i = 0; i < space.tree.count; i++)
    if (!space.tree.borrowed[i]) m.set(nodeKey(space, i), true);
  return m;
}

function nodeKey(space: SpaceInfo, i: number): string {
  const t = space.tree;
  return `${space.id}:${t.pfn[i]}:${t.index[i]}:${t.span[i]}`;
}

type LastStep = NonNullable<Snapshot['last']>;

/** Default: open what is small, what the last walk went through and what the last command wrote. */
function buildLayout(
  space: SpaceInfo,
  src: PteSource,
  ptes: LastStep['ptes'] | undefined,
  walked: LastStep['walk'],
  overrides: ReadonlyMap<string, boolean>,
): TreeLayout {
  const t = space.tree;
  const changed = ptes?.find((p) => p.space === space.id);
  const runs = changed ? pairs(changed.runs) : [];
  const walk = walked && walked.space === space.id ? new Set(walked.nodes) : null;
  let touchedOpen = 0;
  const small = space.mapped <= 2048;
  const isOpen = (i: number): boolean => {
    const o = overrides.get(nodeKey(space, i));
    if (o !== undefined) return o;
    if (t.borrowed[i]) return false;
    const level = t.level[i]!;
    const span = entryPages(level) * 512;
    if (walk?.has(t.pfn[i]!)) return true;
    const touched = runs.length > 0 && meetsRanges(runs, t.base[i]!, t.base[i]! + span);
    if (level === 1) {
      if (touched && touchedOpen < 8) {
        touchedOpen++;
        return true;
      }
      return small && t.present[i]! <= 64;
    }
    // An upper node opens unless it holds many leaves itself (the kernel's 2 MiB linear map).
    return t.leaves[i]! <= 64 || touched;
  };
  return layoutTree(t, isOpen, src);
}

function computeMarks(
  l: TreeLayout,
  space: SpaceInfo,
  last: LastStep | null,
  hl: Highlight,
): Uint8Array {
  const out = new Uint8Array(l.count);
  const changed = last?.ptes.find((p) => p.space === space.id);
  const runs = changed ? pairs(changed.runs) : [];
  const walk = last?.walk && last.walk.space === space.id ? last.walk : null;
  const walkNodes = new Set(walk?.nodes ?? []);
  const faultNode = walk && !walk.ok ? walk.nodes[walk.nodes.length - 1] : -1;
  const va = hl.va.get(space.id) ?? [];
  const lastFrames = last ? pairs(last.frames) : [];
  for (let k = 0; k < l.count; k++) {
    const leaf = l.kind[k] === K_LEAF;
    const pages = leaf
      ? entryPages(l.level[k]!)
      : entryPages(l.level[k]!) * 512 * space.tree.span[l.skel[k]!]!;
    const a = l.vpn[k]!;
    const b = a + pages;
    let m = 0;
    if (runs.length && meetsRanges(runs, a, b) && (leaf || l.open[k] !== 1)) m |= M_CHANGED;
    // A node the last command created or changed (its slot is among the step's frames).
    if (!leaf && lastFrames.length && inRanges(lastFrames, l.pfn[k]!)) m |= M_CHANGED;
    if (walk) {
      if (leaf ? walk.ok && walk.vpn >= a && walk.vpn < b : walkNodes.has(l.pfn[k]!)) m |= M_WALK;
      if (!leaf && l.pfn[k] === faultNode) m |= M_FAULT;
    }
    const p = l.pfn[k]!;
    if (
      leaf
        ? meetsRanges(hl.frames, p, p + pages) || meetsRanges(va, a, b)
        : inRanges(hl.frames, p) || (va.length > 0 && va.some(([x, y]) => x <= a && y >= b))
    )
      m |= M_SELECTED;
    out[k] = m;
  }
  return out;
}

/** What the view should show first: the first item the last command changed (or faulted at), else the deepest of the last walk. */
function focusItem(l: TreeLayout, marks: Uint8Array): number {
  for (let i = 0; i < l.count; i++) if (marks[i]! & (M_CHANGED | M_FAULT)) return i;
  let f = -1;
  for (let i = 0; i < l.count; i++) if (marks[i]! & M_WALK) f = i;
  return f;
}

function onScreen(l: TreeLayout, k: number, t: ZoomTransform, W: number, H: number): boolean {
  const x = t.x + t.k * l.depth[k]! * COL_W;
  const y = t.y + t.k * l.y[k]! * ROW_H;
  return x >= 0 && x < W - 20 && y >= 0 && y < H;
}

function fitTransform(l: TreeLayout, marks: Uint8Array, W: number, H: number): ZoomTransform {
  const maxDepth = l.columns.length - 1;
  const widthUnits = maxDepth * COL_W + LEAF_W + 20;
  const heightUnits = l.rows * ROW_H + 30;
  // The whole tree when it fits at a readable size; else readable, around what matters.
  let k = Math.max(0.6, Math.min(1, W / widthUnits, H / heightUnits));
  const focus = focusItem(l, marks);
  let totalH = l.rows * ROW_H * k;
  let tx = Math.max(10, (W - widthUnits * k) / 2);
  let ty: number;
  if (totalH <= H - 10) ty = (H - totalH) / 2 + (ROW_H * k) / 2;
  else if (focus < 0)
    ty = 15 + (ROW_H * k) / 2; // the top rows: the root is level with its first child there
  else {
    // Show the path from the root to the focus when it fits (zooming out a little if need be).
    let top = l.y[focus]!;
    for (let p = focus; p >= 0; p = l.parent[p]!) top = Math.min(top, l.y[p]!);
    const span = (l.y[focus]! - top + 2) * ROW_H;
    if (span * k > H - 30 && span * 0.3 <= H - 30) {
      k = Math.max(0.3, (H - 30) / span);
      totalH = l.rows * ROW_H * k;
      tx = Math.max(10, (W - widthUnits * k) / 2);
    }
    if (span * k <= H - 30) ty = 15 - (top - 0.5) * ROW_H * k;
    else ty = H / 3 - l.y[focus]! * ROW_H * k;
    ty = Math.min(10, Math.max(H - totalH - 10, ty));
  }
  return zoomIdentity.translate(tx, ty).scale(k);
}

function itemText(l: TreeLayout, space: SpaceInfo, k: number): string {
  const lv = l.level[k]!;
  if (l.kind[k] === K_LEAF) {
    const huge = lv > 1 ? ` (${pageSizeText(lv)} page)` : '';
    return `[${l.idx[k]}] ${vpnHex(l.vpn[k]!)} → ${paddr(l.pfn[k]!)} ${pteFlagsText(l.lo[k]!, l.hi[k]!)}${huge}`;
  }
  const i = l.skel[k]!;
  const t = space.tree;
  const span = t.span[i]!;
  const range = `${vpnHex(l.vpn[k]!)}..${vpnHex(l.vpn[k]! + entryPages(lv) * 512 * span)}`;
  if (span > 1)
    return `L${lv} ×${span}: entries [${t.index[i]}..${t.index[i]! + span - 1}], ${span} empty kernel nodes shared by every space (${range})`;
  return `L${lv} node ${paddr(l.pfn[k]!)}${k === 0 ? '' : ` at entry [${l.idx[k]}]`}: ${t.present[i]} entr${t.present[i] === 1 ? 'y' : 'ies'}, ${num(t.subtree[i]!)} page mapping${t.subtree[i] === 1 ? '' : 's'} under it${t.borrowed[i] ? ' (borrowed from the kernel page table)' : ''} — ${range}`;
}

function leafColor(lo: number, hi: number): string {
  const p = pteRwx(lo, hi);
  if (!(lo & PTE_USER)) return '#3a3f5c';
  return p === 'rw-'
    ? '#22603a'
    : p === 'r--'
      ? '#28496e'
      : p === 'r-x'
        ? '#5b3d86'
        : p === 'rwx'
          ? '#853b3b'
          : '#444c56';
}

/** Draws what is on screen. Layout units: COL_W a column, ROW_H a row; t maps them to CSS px. */
export function drawTree(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  l: TreeLayout,
  marks: Uint8Array,
  t: ZoomTransform,
  W: number,
  H: number,
  pulse = 0,
): void {
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
  const px = 1 / t.k;
  const r0 = -t.y / t.k / ROW_H - 1;
  const r1 = (H - t.y) / t.k / ROW_H + 1;
  const xMin = -t.x / t.k;
  const xMax = (W - t.x) / t.k;
  const rowPx = ROW_H * t.k;
  const dense = rowPx < 3;
  const text = t.k * 10 >= 6;
  const busX = (d: number): number => d * COL_W + NODE_W + (COL_W - NODE_W) / 2;

  // Edges: each visible open node's bus, and each visible child's branch.
  ctx.lineWidth = px;
  ctx.strokeStyle = pal.edge;
  ctx.beginPath();
  const hot: number[] = [];
  for (let d = 0; d < l.columns.length; d++) {
    const col = l.columns[d]!;
    const x = d * COL_W;
    if (x > xMax || busX(d) + COL_W < xMin) continue;
    let lastPix = -1e9;
    for (let j = lowerBound(col, l.y, r0); j < col.length; j++) {
      const k = col[j]!;
      const y = l.y[k]!;
      if (y > r1) break;
      const pix = Math.round(y * rowPx);
      if (dense && pix === lastPix) continue;
      lastPix = pix;
      const cy = y * ROW_H;
      if (l.parent[k]! >= 0) {
        ctx.moveTo(busX(d - 1), cy);
        ctx.lineTo(x, cy);
      }
      if (marks[k]! & M_WALK) hot.push(k);
    }
    // Buses of open nodes in this column whose children span the screen (the node may be off it).
    for (let j = 0; j < col.length; j++) {
      const k = col[j]!;
      if (l.open[k] !== 1 || l.childMax[k]! < r0 || l.childMin[k]! > r1) continue;
      const cy = l.y[k]! * ROW_H;
      ctx.moveTo(x + NODE_W, cy);
      ctx.lineTo(busX(d), cy);
      ctx.moveTo(busX(d), Math.max(l.childMin[k]!, r0) * ROW_H);
      ctx.lineTo(busX(d), Math.min(l.childMax[k]!, r1) * ROW_H);
    }
  }
  ctx.stroke();
  // The last walk's path, from each walked item up to its parent.
  if (hot.length) {
    ctx.strokeStyle = pal.walk;
    ctx.lineWidth = 2.5 * px;
    ctx.beginPath();
    for (const k of hot) {
      const p = l.parent[k]!;
      if (p < 0) continue;
      const d = l.depth[k]!;
      ctx.moveTo(d * COL_W, l.y[k]! * ROW_H);
      ctx.lineTo(busX(d - 1), l.y[k]! * ROW_H);
      ctx.lineTo(busX(d - 1), l.y[p]! * ROW_H);
      ctx.lineTo((d - 1) * COL_W + NODE_W, l.y[p]! * ROW_H);
    }
    ctx.stroke();
  }

  // Marks.
  ctx.font = '10px ui-monospace, "DejaVu Sans Mono", monospace';
  ctx.textBaseline = 'middle';
  for (let d = 0; d < l.columns.length; d++) {
    const col = l.columns[d]!;
    const x = d * COL_W;
    if (x > xMax || x + LEAF_W < xMin) continue;
    let lastPix = -1e9;
    for (let j = lowerBound(col, l.y, r0); j < col.length; j++) {
      const k = col[j]!;
      const y = l.y[k]!;
      if (y > r1) break;
      const pix = Math.round(y * rowPx);
      if (dense && pix === lastPix && !marks[k]) continue;
      lastPix = pix;
      const top = y * ROW_H - NODE_H / 2;
      const h = dense ? Math.max(NODE_H, px) : NODE_H;
      const leaf = l.kind[k] === K_LEAF;
      const w = leaf ? LEAF_W : NODE_W;
      const lv = l.level[k]!;
      if (leaf) {
        ctx.fillStyle = leafColor(l.lo[k]!, l.hi[k]!);
        ctx.fillRect(x, top, w, h);
        if (lv > 1) {
          // A huge page: a magenta band on its left edge (and "2M" in its label).
          ctx.fillStyle = '#db61a2';
          ctx.fillRect(x, top, 5, h);
        }
      } else {
        ctx.fillStyle = LEVEL_COLORS[lv] ?? '#555';
        if (l.borrowed[k]) {
          // Borrowed: the kernel's node, seen through this space's root.
          ctx.globalAlpha = 0.35;
          ctx.fillRect(x, top, w, h);
          ctx.globalAlpha = 1;
          ctx.setLineDash([4 * px, 3 * px]);
          ctx.strokeStyle = LEVEL_COLORS[lv] ?? '#555';
          ctx.lineWidth = 1.5 * px;
          ctx.strokeRect(x, top, w, h);
          ctx.setLineDash([]);
        } else ctx.fillRect(x, top, w, h);
        const at = l.densityAt[k]!;
        if (at >= 0 && !dense) {
          // The density strip: present entries per bucket.
          const bw = (w - 8) / DENSITY_BUCKETS;
          ctx.fillStyle = '#e6edf3';
          for (let b = 0; b < DENSITY_BUCKETS; b++) {
            const v = l.density[at + b]!;
            if (v)
              ctx.fillRect(
                x + 4 + b * bw,
                top + h - 4,
                Math.max(px, bw * 0.85),
                (3 * v) / 16 + 0.5,
              );
          }
        }
      }
      const m = marks[k]!;
      if (m) {
        ctx.lineWidth = 2 * px;
        if (m & M_SELECTED) {
          ctx.strokeStyle = pal.select;
          ctx.strokeRect(x - 2 * px, top - 2 * px, w + 4 * px, h + 4 * px);
        }
        if (m & M_CHANGED) {
          ctx.strokeStyle = pal.changed;
          ctx.strokeRect(x + px, top + px, w - 2 * px, h - 2 * px);
        }
        if (pulse > 0 && m & (M_CHANGED | M_WALK | M_FAULT)) {
          const grow = (1 - pulse) * 8 * px;
          ctx.globalAlpha = pulse;
          ctx.strokeStyle = m & M_FAULT ? pal.fault : m & M_CHANGED ? pal.changed : pal.walk;
          ctx.strokeRect(x - grow, top - grow, w + 2 * grow, h + 2 * grow);
          ctx.globalAlpha = 1;
        }
        if (m & M_WALK) {
          ctx.strokeStyle = pal.walk;
          ctx.strokeRect(x, top, w, h);
        }
        if (m & M_FAULT) {
          ctx.strokeStyle = pal.fault;
          ctx.lineWidth = 3 * px;
          ctx.strokeRect(x, top, w, h);
        }
      }
      if (text && !dense && rowPx >= 8) {
        // Light on the saturated fills; a borrowed node is pale, so it takes the page's text colour.
        ctx.fillStyle = !leaf && l.borrowed[k] ? pal.borrowedText : '#f0f6fc';
        ctx.fillText(
          markLabel(l, k),
          x + (leaf && lv > 1 ? 8 : 5),
          y * ROW_H - (leaf ? 0 : 1),
          w - 10,
        );
      }
    }
  }
}

function markLabel(l: TreeLayout, k: number): string {
  const lv = l.level[k]!;
  if (l.kind[k] === K_LEAF)
    return `[${l.idx[k]}] ${vpnHex(l.vpn[k]!)} → ${paddr(l.pfn[k]!)} ${pteRwx(l.lo[k]!, l.hi[k]!)}${lv > 1 ? ` ${pageSizeText(lv)}` : ''}${l.lo[k]! & 0x20 ? ' A' : ''}${l.lo[k]! & 0x40 ? ' D' : ''}`;
  const glyph = l.open[k] === 1 ? '▾' : l.open[k] === 0 ? '▸' : ' ';
  if (l.span[k]! > 1)
    return `  L${lv} ×${l.span[k]} [${l.idx[k]}..${l.idx[k]! + l.span[k]! - 1}] empty`;
  const count = l.open[k] === 0 ? ` · ${num(l.under[k]!)}` : '';
  return `${glyph} L${lv} ${paddr(l.pfn[k]!)}${k === 0 ? '' : ` [${l.idx[k]}]`}${count}`;
}

function PtTable(props: {
  layout: TreeLayout;
  space: SpaceInfo;
  marks: Uint8Array;
  onToggle: (item: number) => void;
  onSelect: (s: Selection) => void;
}) {
  const { layout: l, space, marks, onToggle, onSelect } = props;
  const t = space.tree;
  const rows: React.ReactNode[] = [];
  const n = Math.min(l.count, MAX_TWIN_ROWS);
  for (let k = 0; k < n; k++) {
    const lv = l.level[k]!;
    const m = marks[k]!;
    const cls =
      [
        m & M_SELECTED ? 'hl' : '',
        m & M_CHANGED ? 'changed' : '',
        m & M_WALK ? 'walk' : '',
        m & M_FAULT ? 'bad' : '',
      ]
        .filter(Boolean)
        .join(' ') || undefined;
    const indent = { paddingLeft: `${l.depth[k]! * 0.9}rem` };
    if (l.kind[k] === K_LEAF) {
      const pages = entryPages(lv);
      rows.push(
        <tr key={k} data-kind="leaf" data-vpn={l.vpn[k]} className={cls}>
          <td style={indent}>
            leaf {pageSizeText(lv)} [{l.idx[k]}]
          </td>
          <td>
            <button
              type="button"
              className="link"
              onClick={() =>
                onSelect({ kind: 'mapping', space: space.id, vpn: l.vpn[k]!, pfn: l.pfn[k]! })
              }
            >
              {vpnHex(l.vpn[k]!)}
            </button>
            {pages > 1 ? `..${vpnHex(l.vpn[k]! + pages)}` : ''}
          </td>
          <td>→ {paddr(l.pfn[k]!)}</td>
          <td>{pteFlagsText(l.lo[k]!, l.hi[k]!)}</td>
          <td />
        </tr>,
      );
    } else {
      const i = l.skel[k]!;
      const span = t.span[i]!;
      rows.push(
        <tr key={k} data-kind="node" data-level={lv} className={cls}>
          <td style={indent}>
            L{lv}{' '}
            {span > 1
              ? `×${span} [${t.index[i]}..${t.index[i]! + span - 1}]`
              : k === 0
                ? 'root'
                : `[${t.index[i]}]`}
            {t.borrowed[i] ? ' (borrowed)' : ''}
          </td>
          <td>
            {vpnHex(l.vpn[k]!)}..{vpnHex(l.vpn[k]! + entryPages(lv) * 512 * span)}
          </td>
          <td>
            <button
              type="button"
              className="link"
              onClick={() => onSelect({ kind: 'frame', pfn: l.pfn[k]! })}
            >
              {span > 1 ? `${span} nodes from ${paddr(l.pfn[k]!)}` : `node ${paddr(l.pfn[k]!)}`}
            </button>
          </td>
          <td>
            {span > 1 ? 'empty, shared' : `${t.present[i]} entries, ${num(t.subtree[i]!)} pages`}
          </td>
          <td>
            {l.open[k] !== 2 && (
              <button type="button" onClick={() => onToggle(k)} aria-expanded={l.open[k] === 1}>
                {l.open[k] === 1 ? 'Collapse' : 'Expand'}
              </button>
            )}
          </td>
        </tr>,
      );
    }
  }
  return (
    <>
      <table className="twin-table" data-testid="pt-table">
        <caption>{space.label}: nodes and the leaves of open nodes, in tree order</caption>
        <thead>
          <tr>
            <th>Entry</th>
            <th>Virtual range</th>
            <th>Frame</th>
            <th>Entries / flags</th>
            <th />
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
      {l.count > n && (
        <p className="muted">… {l.count - n} more rows (collapse nodes to see fewer).</p>
      )}
      {t.truncated && (
        <p className="muted">
          Some level-1 nodes are not listed: too many to show; their mappings still count.
        </p>
      )}
    </>
  );
}
