// The canvases' colours, per theme (CSS cannot reach into a canvas; views.css holds the rest). The
// marks mean the same in both: the last command's changes yellow, the last walk cyan, a fault red,
// the selection outlined in the strongest contrast (white on dark, black on light). Fills that
// carry text stay saturated in both themes, so their light text reads on either.
import { useUi, type Theme } from '../store/ui';

export interface Palette {
  theme: Theme;
  /** Text and strong lines on the panel background. */
  fg: string;
  muted: string;
  select: string;
  changed: string;
  walk: string;
  fault: string;
  /** Frames: the lines between cells. */
  grid: string;
  /** Tree: edges; text on a borrowed (pale) node. */
  edge: string;
  borrowedText: string;
  /** Ribbon: the mapping lane, squeezed stretches, the axis ticks. */
  lane: string;
  gap: string;
  tick: string;
  /** Frames: one colour per class (raster.ts CLASSES order). */
  classes: readonly string[];
}

export const PALETTES: Record<Theme, Palette> = {
  dark: {
    theme: 'dark',
    fg: '#c9d1d9',
    muted: '#8b949e',
    select: '#ffffff',
    changed: '#e3b341',
    walk: '#39c5cf',
    fault: '#f85149',
    grid: '#0d1117',
    edge: '#4b535d',
    borrowedText: '#f0f6fc',
    lane: '#0d1117',
    gap: '#161b22',
    tick: '#8b949e',
    classes: ['#1f252d', '#39414b', '#6e7681', '#1b7c83', '#8957e5', '#388bfd', '#2ea043', '#26a69a', '#9be9a8', '#d29922', '#f0883e', '#f85149'],
  },
  light: {
    theme: 'light',
    fg: '#1f2328',
    muted: '#57606a',
    select: '#000000',
    changed: '#9a6700',
    walk: '#1b7c83',
    fault: '#cf222e',
    grid: '#ffffff',
    edge: '#8c959f',
    borrowedText: '#1f2328',
    lane: '#eaeef2',
    gap: '#f3f5f7',
    tick: '#57606a',
    classes: ['#eaeef2', '#c4ccd5', '#8c959f', '#1b7c83', '#8250df', '#0969da', '#2da44e', '#1a8a7d', '#8ddb9f', '#bf8700', '#e16f24', '#cf222e'],
  },
};

/** The palette of the theme in use (views redraw when it changes). */
export function usePalette(): Palette {
  return PALETTES[useUi((s) => s.theme)];
}
