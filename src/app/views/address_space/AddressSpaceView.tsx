// The address-space ribbon: one row per VM space on a shared, zoomable piecewise address axis
// (empty stretches squeezed, so 0..2^47 is usable). Lanes: mappings (coloured by permission),
// cursors (barrier outlined, locked subtree shaded, position ticked), readers and writers (their
// overlaps in red, as vso.*_disjoint sees them) and the last page fault.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomTransform } from 'd3-zoom';
import type { HandleInfo, Snapshot, SpaceInfo } from '../../../bridge/snapshot';
import { PERM_R, PERM_W, PERM_X, vpnHex } from '../../../bridge/shared_layout';
import {
  HoverTip,
  Panel,
  Twin,
  prepareCanvas,
  recordDraw,
  useBoxSize,
  viewMemo,
  type Hover,
} from '../common';
import { Keeper } from '../intern';
import {
  bytesText,
  ioConflicts,
  meetsRanges,
  num,
  paddr,
  pairs,
  permText,
  type Highlight,
  type IoConflict,
  type Selection,
} from '../model';
import { usePalette, type Palette } from '../palette';
import { piecewiseAxis, type Axis } from './axis';

const LABEL_W = 92;
const AXIS_H = 30;
const ROW_H = 64;
/** User space ends at MAX_USERSPACE_VADDR (page numbers). */
const USER_END = 2 ** 35 - 1;
const MAX_TWIN_ROWS = 500;

export interface AddressSpaceViewProps {
  snapshot: Snapshot;
  highlight: Highlight;
  onSelect: (s: Selection) => void;
}

interface Row {
  space: SpaceInfo;
  cursors: HandleInfo[];
  io: HandleInfo[];
  conflicts: IoConflict[];
}

function pageRange(h: HandleInfo): [number, number] {
  const s = Math.floor(h.ioStart! / 4096);
  return [s, Math.max(s + 1, Math.ceil(h.ioEnd! / 4096))];
}

export function permColor(perm: number): string {
  const p = perm & (PERM_R | PERM_W | PERM_X);
  return p === (PERM_R | PERM_W)
    ? '#2ea043'
    : p === PERM_R
      ? '#3b7dd8'
      : p === (PERM_R | PERM_X)
        ? '#8957e5'
        : p === 7
          ? '#da3633'
          : '#6e7681';
}

export const AddressSpaceView = viewMemo(
  function AddressSpaceView({ snapshot: s, highlight, onSelect }: AddressSpaceViewProps) {
    const { spaces, handles, last } = s;
    // Kept while equal: a new handle elsewhere (a frame, a segment) changes no row.
    const [keep] = useState(() => new Keeper<Row[]>());
    const rows: Row[] = useMemo(() => {
      const conflicts = ioConflicts(handles);
      return keep.keep(
        spaces
          .filter((x) => x.kind === 'user')
          .map((space) => ({
            space,
            cursors: handles.filter((h) => h.kind === 'cursor' && h.vs === space.id),
            io: handles.filter(
              (h) => (h.kind === 'reader' || h.kind === 'writer') && h.vs === space.id,
            ),
            conflicts: conflicts.filter((c) => c.space === space.id),
          })),
      );
    }, [keep, spaces, handles]);
    const fault = last?.fault;
    const lastPtes = last?.ptes;
    const intervals = useMemo(() => {
      const iv: [number, number][] = [];
      for (const r of rows) {
        for (let k = 0; k < r.space.runCount; k++)
          iv.push([r.space.runs[k * 4]!, r.space.runs[k * 4]! + r.space.runs[k * 4 + 1]!]);
        for (const c of r.cursors) iv.push([c.start!, c.end!]);
        for (const h of r.io) iv.push(pageRange(h));
      }
      if (fault && fault.vpn < USER_END) iv.push([fault.vpn, fault.vpn + 1]);
      return iv;
    }, [rows, fault]);

    const [boxRef, size] = useBoxSize<HTMLDivElement>();
    const plotW = Math.max(50, size.width - LABEL_W - 8);
    const axis = useMemo(() => piecewiseAxis(intervals, [0, USER_END], plotW), [intervals, plotW]);
    const canvasRef = useRef<HTMLCanvasElement>(null);
    const tRef = useRef<ZoomTransform>(zoomIdentity);
    const pending = useRef(0);
    const palette = usePalette();
    const state = useRef({ rows, axis, fault, lastPtes, highlight, size, palette });
    const [hover, setHover] = useState<Hover>(null);
    const height = AXIS_H + Math.max(1, rows.length) * ROW_H + 6;

    const drawNow = useCallback(() => {
      pending.current = 0;
      const c = canvasRef.current;
      const st = state.current;
      if (!c || st.size.width < 2) return;
      const t0 = performance.now();
      const ctx = prepareCanvas(c, st.size.width, AXIS_H + Math.max(1, st.rows.length) * ROW_H + 6);
      if (!ctx) return;
      drawRibbon(
        ctx,
        st.palette,
        st.rows,
        st.axis,
        tRef.current,
        st.fault,
        st.lastPtes,
        st.highlight,
        st.size.width,
      );
      recordDraw('ribbon', performance.now() - t0);
    }, []);
    const schedule = useCallback(() => {
      if (!pending.current) pending.current = requestAnimationFrame(drawNow);
    }, [drawNow]);
    // Redrawn at once when what it shows changed, and only then; zooming draws on animation frames.
    useEffect(() => {
      state.current = { rows, axis, fault, lastPtes, highlight, size, palette };
      cancelAnimationFrame(pending.current);
      drawNow();
    }, [rows, axis, fault, lastPtes, highlight, size, palette, drawNow]);
    useEffect(() => {
      const c = canvasRef.current;
      if (!c) return;
      const z = zoom<HTMLCanvasElement, unknown>()
        .scaleExtent([1, 1e7])
        .on('zoom', (e: { transform: ZoomTransform }) => {
          // Horizontal only: the rows stay put.
          tRef.current = zoomIdentity.translate(e.transform.x, 0).scale(e.transform.k);
          schedule();
        });
      const sel = select(c);
      sel.call(z).on('dblclick.zoom', () => sel.call(z.transform, zoomIdentity));
      return () => {
        sel.on('.zoom', null);
        cancelAnimationFrame(pending.current);
        pending.current = 0;
      };
    }, [schedule]);

    const locate = (
      e: React.MouseEvent<HTMLCanvasElement>,
    ): { row: Row | null; vpn: number; x: number; y: number; lane: number } => {
      const r = e.currentTarget.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      const t = tRef.current;
      const vpn = Math.floor(axis.invert((x - LABEL_W - t.x) / t.k));
      const ri = Math.floor((y - AXIS_H) / ROW_H);
      const row = x >= LABEL_W && ri >= 0 && ri < rows.length ? rows[ri]! : null;
      const within = y - AXIS_H - ri * ROW_H;
      return { row, vpn, x, y, lane: within < 28 ? 0 : within < 42 ? 1 : 2 };
    };
    const findAt = (
      row: Row,
      vpn: number,
      lane: number,
    ): { text: string; sel: Selection } | null => {
      if (lane === 0) {
        const sp = row.space;
        for (let k = 0; k < sp.runCount; k++) {
          const v = sp.runs[k * 4]!;
          const n = sp.runs[k * 4 + 1]!;
          if (vpn >= v && vpn < v + n) {
            const pfn = sp.runs[k * 4 + 2]! + (vpn - v);
            return {
              text: `${vpnHex(vpn)} → ${paddr(pfn)} ${permText(sp.runs[k * 4 + 3]!)} (a run of ${n} page${n === 1 ? '' : 's'} from ${vpnHex(v)})`,
              sel: { kind: 'mapping', space: sp.id, vpn, pfn },
            };
          }
        }
        return null;
      }
      if (lane === 1)
        for (const c of row.cursors)
          if (vpn >= c.lockStart! && vpn < c.lockEnd!)
            return {
              text: `${c.text}; locks ${vpnHex(c.lockStart!)}..${vpnHex(c.lockEnd!)} (level ${c.guardLevel} subtree)`,
              sel: { kind: 'handle', name: c.name },
            };
      if (lane === 2)
        for (const h of row.io) {
          const [a, b] = pageRange(h);
          if (vpn >= a && vpn < b) return { text: h.text, sel: { kind: 'handle', name: h.name } };
        }
      return null;
    };
    const onMove = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      const p = locate(e);
      if (!p.row) return setHover(null);
      const f = findAt(p.row, p.vpn, p.lane);
      setHover({
        x: p.x,
        y: p.y,
        text: f ? f.text : `${p.row.space.label} ${vpnHex(Math.max(0, p.vpn))}: nothing here`,
      });
    };
    const onClick = (e: React.MouseEvent<HTMLCanvasElement>): void => {
      const p = locate(e);
      if (!p.row) return;
      const f = findAt(p.row, p.vpn, p.lane);
      onSelect(f ? f.sel : { kind: 'handle', name: p.row.space.id });
    };

    const summary = rows.length
      ? `${rows.length} VM space${rows.length === 1 ? '' : 's'}; wheel to zoom, drag to pan, double-click to reset`
      : 'no VM space yet (`vmspace as vs`)';
    return (
      <Panel id="address-space" title="Address spaces" summary={summary} className="panel-ribbon">
        <div className="canvas-box ribbon-box" ref={boxRef} style={{ height }}>
          <canvas
            ref={canvasRef}
            data-testid="as-canvas"
            role="img"
            aria-label="Address-space ribbon: mappings, cursors, readers and writers of each VM space. The table below lists them."
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
            onClick={onClick}
          />
          <HoverTip hover={hover} boxWidth={size.width} tipWidth={300} />
        </div>
        <Twin label="Address-space table" testid="as">
          <RibbonTable rows={rows} s={s} onSelect={onSelect} />
        </Twin>
      </Panel>
    );
    // Only cursors, readers and writers show here: a new frame or segment handle changes nothing.
  },
  (s) => [s.spaces, s.last?.fault ? s.last : s.last?.ptes, ...s.handles.filter(onRibbon)],
);

function onRibbon(h: HandleInfo): boolean {
  return h.kind === 'cursor' || h.kind === 'reader' || h.kind === 'writer';
}

type LastStep = NonNullable<Snapshot['last']>;

function drawRibbon(
  ctx: CanvasRenderingContext2D,
  pal: Palette,
  rows: Row[],
  axis: Axis,
  t: ZoomTransform,
  f: LastStep['fault'],
  lastPtes: LastStep['ptes'] | undefined,
  hl: Highlight,
  W: number,
): void {
  const H = AXIS_H + Math.max(1, rows.length) * ROW_H + 6;
  ctx.clearRect(0, 0, W, H);
  const X = (a: number): number => LABEL_W + t.x + t.k * axis.x(a);
  const xMin = LABEL_W;
  const xMax = W;
  ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
  ctx.textBaseline = 'middle';
  // The axis: squeezed gaps shaded and marked ≈; addresses where things start and end.
  for (const p of axis.pieces) {
    if (!p.gap) continue;
    const x0 = X(p.a0);
    const x1 = X(p.a1);
    if (x1 < xMin || x0 > xMax) continue;
    ctx.fillStyle = pal.gap;
    ctx.fillRect(
      Math.max(xMin, x0),
      AXIS_H - 6,
      Math.min(x1, xMax) - Math.max(xMin, x0),
      H - AXIS_H,
    );
    if (x1 - x0 > 10) {
      ctx.fillStyle = pal.muted;
      ctx.fillText('≈', (x0 + x1) / 2 - 3, AXIS_H - 8);
    }
  }
  const ticks: number[] = [];
  for (const [a, b] of axis.intervals) ticks.push(a, b);
  let lastRight = -1e9;
  if (t.k > 1.01) {
    // Zoomed in: the addresses at both edges, so the view never loses its bearings.
    const left = vpnHex(Math.max(0, Math.floor(axis.invert((xMin - LABEL_W - t.x) / t.k))));
    const right = vpnHex(Math.floor(axis.invert((xMax - LABEL_W - t.x) / t.k)));
    ctx.fillStyle = pal.muted;
    ctx.fillText(`← ${left}`, xMin + 2, AXIS_H - 8);
    const w = ctx.measureText(`${right} →`).width;
    ctx.fillText(`${right} →`, xMax - w - 2, AXIS_H - 8);
  }
  ctx.fillStyle = pal.tick;
  for (const a of ticks) {
    const x = X(a);
    if (x < xMin - 1 || x > xMax) continue;
    ctx.fillRect(x, 16, 1, AXIS_H - 16);
    const label = vpnHex(a);
    const w = ctx.measureText(label).width;
    const lx = Math.min(Math.max(x - w / 2, xMin), xMax - w);
    if (lx > lastRight + 8) {
      ctx.fillText(label, lx, 9);
      lastRight = lx + w;
    }
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(xMin, 0, xMax - xMin, H);
  ctx.clip();
  const changed = new Map((lastPtes ?? []).map((p) => [p.space, pairs(p.runs)]));
  rows.forEach((row, ri) => {
    const top = AXIS_H + ri * ROW_H;
    const sp = row.space;
    // Lanes.
    ctx.fillStyle = pal.lane;
    ctx.fillRect(xMin, top + 4, xMax - xMin, 22);
    // Mappings: runs that touch virtually and share permissions are drawn as one rectangle (no seams).
    let cx0 = 0;
    let cx1 = -1;
    let cColor = '';
    const picked: number[] = [];
    const flush = (): void => {
      if (cx1 < cx0) return;
      ctx.fillStyle = cColor;
      ctx.fillRect(cx0, top + 6, Math.max(1, cx1 - cx0), 18);
      cx1 = -1;
    };
    for (let k = 0; k < sp.runCount; k++) {
      const v = sp.runs[k * 4]!;
      const n = sp.runs[k * 4 + 1]!;
      const x0 = X(v);
      const x1 = X(v + n);
      if (x1 < xMin || x0 > xMax) continue;
      const color = permColor(sp.runs[k * 4 + 3]!);
      if (color === cColor && cx1 >= 0 && x0 - cx1 < 0.5) cx1 = Math.max(cx1, x1);
      else {
        flush();
        cx0 = x0;
        cx1 = x1;
        cColor = color;
      }
      if (hl.frames.length && meetsRanges(hl.frames, sp.runs[k * 4 + 2]!, sp.runs[k * 4 + 2]! + n))
        picked.push(k);
    }
    flush();
    // Selected frames inside a run (its physical pages are contiguous too), over the fills.
    ctx.strokeStyle = pal.select;
    ctx.lineWidth = 2;
    for (const k of picked) {
      const v = sp.runs[k * 4]!;
      const n = sp.runs[k * 4 + 1]!;
      const f = sp.runs[k * 4 + 2]!;
      for (const [a, b] of hl.frames) {
        const s0 = Math.max(a, f);
        const s1 = Math.min(b, f + n);
        if (s1 <= s0) continue;
        const xa = X(v + (s0 - f));
        ctx.strokeRect(xa - 1, top + 4, Math.max(2, X(v + (s1 - f)) - xa) + 2, 22);
      }
    }
    const ch = changed.get(sp.id);
    if (ch) {
      ctx.strokeStyle = pal.changed;
      ctx.lineWidth = 2;
      for (const [a, b] of ch) {
        const x0 = X(a);
        ctx.strokeRect(x0, top + 7, Math.max(2, X(b) - x0), 16);
      }
    }
    for (const [a, b] of hl.va.get(sp.id) ?? []) {
      const x0 = X(a);
      ctx.strokeStyle = pal.select;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, top + 3, Math.max(2, X(b) - x0) + 2, ROW_H - 8);
    }
    // Cursors: locked subtree shaded, barrier outlined, position ticked.
    for (const c of row.cursors) {
      const l0 = X(c.lockStart!);
      const l1 = X(c.lockEnd!);
      ctx.fillStyle = 'rgba(57,197,207,0.18)';
      ctx.fillRect(l0, top + 30, Math.max(1, l1 - l0), 10);
      const b0 = X(c.start!);
      const b1 = X(c.end!);
      ctx.strokeStyle = pal.walk;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(b0, top + 30, Math.max(2, b1 - b0), 10);
      const xv = X(c.va!);
      ctx.fillStyle = pal.walk;
      ctx.fillRect(xv - 1, top + 27, 2, 16);
      ctx.fillStyle = pal.fg;
      if (b1 - b0 > 30 || hl.handles.has(c.name))
        ctx.fillText(c.name, Math.max(b0, xMin) + 3, top + 35);
      if (hl.handles.has(c.name)) {
        ctx.strokeStyle = pal.select;
        ctx.strokeRect(b0 - 2, top + 28, Math.max(2, b1 - b0) + 4, 14);
      }
    }
    // Readers and writers.
    for (const h of row.io) {
      const [a, b] = pageRange(h);
      const x0 = X(a);
      const x1 = X(b);
      ctx.fillStyle = h.kind === 'reader' ? '#58a6ff' : '#f0883e';
      ctx.globalAlpha = h.ioEnd! > h.ioCursor! ? 0.85 : 0.3;
      ctx.fillRect(x0, top + 45, Math.max(2, x1 - x0), 10);
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#0d1117';
      if (x1 - x0 > 24) ctx.fillText(h.name, x0 + 3, top + 50);
      if (hl.handles.has(h.name)) {
        ctx.strokeStyle = pal.select;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 - 1, top + 44, Math.max(2, x1 - x0) + 2, 12);
      }
    }
    for (const c of row.conflicts) {
      const x0 = X(Math.floor(c.start / 4096));
      const x1 = X(Math.ceil(c.end / 4096));
      ctx.strokeStyle = pal.fault;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, top + 43, Math.max(3, x1 - x0) + 2, 14);
    }
    // The last fault.
    if (f && f.space === sp.id) {
      const x = X(f.vpn);
      ctx.fillStyle = pal.fault;
      ctx.beginPath();
      ctx.moveTo(x, top + 6);
      ctx.lineTo(x - 6, top - 4);
      ctx.lineTo(x + 6, top - 4);
      ctx.closePath();
      ctx.fill();
    }
  });
  ctx.restore();
  // Row labels.
  rows.forEach((row, ri) => {
    const top = AXIS_H + ri * ROW_H;
    ctx.fillStyle = hl.space === row.space.id || hl.handles.has(row.space.id) ? pal.select : pal.fg;
    ctx.fillText(row.space.label, 6, top + 15);
    ctx.fillStyle = pal.muted;
    ctx.fillText(`${num(row.space.mapped)} pages`, 6, top + 30);
    if (row.space.activeOn.length) ctx.fillText(`cpu ${row.space.activeOn.join(',')}`, 6, top + 44);
  });
  if (rows.length === 0) {
    ctx.fillStyle = pal.muted;
    ctx.fillText('No VM space: try `vmspace as vs` then `mmap vs 0x400000+64K`.', 8, AXIS_H + 20);
  }
}

function RibbonTable({
  rows,
  s,
  onSelect,
}: {
  rows: Row[];
  s: Snapshot;
  onSelect: (x: Selection) => void;
}) {
  if (rows.length === 0) return <p>No VM space.</p>;
  return (
    <>
      {rows.map((row) => {
        const sp = row.space;
        const trs: React.ReactNode[] = [];
        for (let k = 0; k < sp.runCount && k < MAX_TWIN_ROWS; k++) {
          const v = sp.runs[k * 4]!;
          const n = sp.runs[k * 4 + 1]!;
          const f = sp.runs[k * 4 + 2]!;
          trs.push(
            <tr key={`m${k}`} data-kind="mapping">
              <td>mapping</td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => onSelect({ kind: 'mapping', space: sp.id, vpn: v, pfn: f })}
                >
                  {vpnHex(v)}..{vpnHex(v + n)}
                </button>
              </td>
              <td>
                → {paddr(f)}..{paddr(f + n)} ({n} page{n === 1 ? '' : 's'}, {bytesText(n * 4096)})
              </td>
              <td>{permText(sp.runs[k * 4 + 3]!)}</td>
            </tr>,
          );
        }
        for (const c of row.cursors)
          trs.push(
            <tr key={c.name} data-kind="cursor">
              <td>{c.mut ? 'CursorMut' : 'Cursor'}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => onSelect({ kind: 'handle', name: c.name })}
                >
                  {c.name}
                </button>{' '}
                {vpnHex(c.start!)}..{vpnHex(c.end!)}
              </td>
              <td>
                at {vpnHex(c.va!)}; locks {vpnHex(c.lockStart!)}..{vpnHex(c.lockEnd!)} (a level-
                {c.guardLevel} subtree)
              </td>
              <td />
            </tr>,
          );
        for (const h of row.io)
          trs.push(
            <tr key={h.name} data-kind={h.kind}>
              <td>{h.type}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => onSelect({ kind: 'handle', name: h.name })}
                >
                  {h.name}
                </button>{' '}
                0x{h.ioStart!.toString(16)}..0x{h.ioEnd!.toString(16)}
              </td>
              <td>at 0x{h.ioCursor!.toString(16)}</td>
              <td />
            </tr>,
          );
        for (const c of row.conflicts)
          trs.push(
            <tr key={`${c.a}-${c.b}`} data-kind="conflict" className="bad">
              <td>conflict</td>
              <td>
                {c.a} and {c.b}
              </td>
              <td>
                meet at 0x{c.start.toString(16)}..0x{c.end.toString(16)}
              </td>
              <td>{c.id}</td>
            </tr>,
          );
        const f = s.last?.fault;
        if (f && f.space === sp.id)
          trs.push(
            <tr key="fault" data-kind="fault" className="bad">
              <td>page fault</td>
              <td>{vpnHex(f.vpn)}</td>
              <td colSpan={2}>{s.last?.text}</td>
            </tr>,
          );
        return (
          <table key={sp.id} className="twin-table" data-testid={`as-table-${sp.id}`}>
            <caption>
              {sp.label}: {num(sp.mapped)} mapped page{sp.mapped === 1 ? '' : 's'}
              {sp.runsTruncated ? ' (not every run listed)' : ''}
            </caption>
            <thead>
              <tr>
                <th>What</th>
                <th>Virtual</th>
                <th>Detail</th>
                <th>Flags</th>
              </tr>
            </thead>
            <tbody>{trs}</tbody>
          </table>
        );
      })}
    </>
  );
}
