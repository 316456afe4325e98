// Exporting a view for slides and bug reports: a PNG of its figure (its canvases, and its SVG drawn
// through an image onto an offscreen canvas; a view without a figure is drawn as its text) and its
// text (tables and lists as the page shows them), to copy or to download.

/** The panel's title, summary and body as plain text (tables come out tab-separated). */
export function panelText(panel: HTMLElement): string {
  const title = panel.querySelector('.view-head h2')?.textContent ?? '';
  const summary = panel.querySelector('.view-head .view-summary')?.textContent ?? '';
  const body = panel.querySelector<HTMLElement>('.view-body')?.innerText ?? '';
  return `${title}${summary ? ` — ${summary}` : ''}\n\n${body.trim()}\n`;
}

/** An SVG as an image, its computed presentation inlined (the page's stylesheet does not travel). */
function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  const props = [
    'fill',
    'stroke',
    'stroke-width',
    'opacity',
    'font-size',
    'font-family',
    'font-weight',
  ];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    (to[i] as SVGElement).setAttribute(
      'style',
      props.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';'),
    );
  });
  const r = svg.getBoundingClientRect();
  clone.setAttribute('width', String(r.width));
  clone.setAttribute('height', String(r.height));
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const img = new Image(r.width, r.height);
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  return img.decode().then(() => img);
}

/** The panel as a PNG: its title above its figures, or above its text when it has no figure. */
export async function panelPng(panel: HTMLElement): Promise<Blob> {
  const cs = getComputedStyle(panel);
  const fg = cs.color;
  const bg = cs.backgroundColor;
  const figures = [
    ...panel.querySelectorAll<HTMLCanvasElement | SVGSVGElement>(
      '.view-body canvas, .view-body svg',
    ),
  ].filter((el) => el.getBoundingClientRect().width > 40);
  // Figures keep their places on the page (an overlay canvas stays over the canvas below it).
  const rects = figures.map((el) => el.getBoundingClientRect());
  const left = Math.min(...rects.map((r) => r.left));
  const top = Math.min(...rects.map((r) => r.top));
  const parts: { img: CanvasImageSource; x: number; y: number; w: number; h: number }[] = [];
  for (const [i, el] of figures.entries()) {
    const r = rects[i]!;
    parts.push({
      img: el instanceof SVGSVGElement ? await svgImage(el) : el,
      x: r.left - left,
      y: r.top - top,
      w: r.width,
      h: r.height,
    });
  }
  const figW = Math.max(0, ...parts.map((p) => p.x + p.w));
  const figH = Math.max(0, ...parts.map((p) => p.y + p.h));
  const font = '12px ui-monospace, monospace';
  const lines = parts.length ? [] : panelText(panel).replace(/\t/g, '   ').split('\n').slice(2);
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = font;
  const pad = 12;
  const head = 28;
  const title = panelText(panel).split('\n', 1)[0]!;
  const titleFont = 'bold 14px system-ui, sans-serif';
  const widths = lines.map((l) => measure.measureText(l).width);
  measure.font = titleFont;
  const width = Math.ceil(
    Math.max(320, measure.measureText(title).width, figW, ...widths) + 2 * pad,
  );
  const height = Math.ceil(head + pad + figH + lines.length * 16);
  const dpr = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = Math.round(width * dpr);
  out.height = Math.round(height * dpr);
  const ctx = out.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = bg === 'rgba(0, 0, 0, 0)' ? '#161b22' : bg;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = fg;
  ctx.font = titleFont;
  ctx.fillText(title, pad, 20);
  for (const p of parts) ctx.drawImage(p.img, pad + p.x, head + p.y, p.w, p.h);
  ctx.font = font;
  lines.forEach((l, i) => ctx.fillText(l, pad, head + 12 + i * 16));
  return new Promise((resolve, reject) =>
    out.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob gave nothing'))), 'image/png'),
  );
}

/** Saves a blob as a file through a temporary link. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
