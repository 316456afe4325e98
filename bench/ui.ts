// Workload "ui": the app's own speed budgets, measured in Debian's Chromium on a fresh build served
// by `vite preview`, with the page's debug records (e2e/measure.ts, shared with the e2e budgets):
// what a published snapshot costs the main thread, command → views, the tree's frame interval while
// panning and zooming 10^5 mapped pages; and the share link of a 1,000-command script (no browser).
// Each limit is measured in the same run: the same page doing the least it can (a line that changes
// nothing; no input at all), the script before compression. Without Chromium only the link is
// measured.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/chromium';
import {
  BIG_TREE,
  measureCommands,
  measureLines,
  measures,
  pageNow,
  panAndZoom,
  recordFrames,
  recorded,
  run,
  type Latency,
} from '../e2e/measure';
import { encodeFragment } from '../src/lang';
import { lessonCommands } from '../src/scenarios/lessons';
import { median, ms, now, pct, progress, row, type Row } from './lib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

/** Rounds of CHANGES commands that change the machine, then STILL lines that change nothing. */
const ROUNDS = 3;
const CHANGES = 20;
const STILL = 16;
/** A line that leaves the machine and every view's input as they were: a new step, nothing else. */
const STILL_LINE = 'expect no violation';

const PUBLISH_GOAL_MS = 2;
const COMMAND_GOAL_MS = 50;
const FRAME_GOAL_MS = 16.7;
const LINK_COMMANDS = 1000;
const LINK_GOAL_BYTES = 8 * 1024;

function link(): Row {
  const commands = lessonCommands();
  if (commands.length < LINK_COMMANDS)
    throw new Error(`the lessons hold ${commands.length} commands, fewer than ${LINK_COMMANDS}`);
  const script = commands.slice(0, LINK_COMMANDS).join('\n');
  const fragment = encodeFragment(script, LINK_COMMANDS - 1);
  const raw = new TextEncoder().encode(script).length;
  return row({
    name: 'ui.link',
    value: fragment.length,
    unit: 'bytes',
    limit: raw,
    what: `the share link's fragment (#s=…&step=N) for the first ${LINK_COMMANDS} commands of the lessons; limit = the script itself, uncompressed (UTF-8)`,
    goal: `≤ ${LINK_GOAL_BYTES / 1024} KiB`,
    met: fragment.length <= LINK_GOAL_BYTES,
    notes: [`deflate-raw level 9, then base64url; ratio = what the link costs per byte of script`],
  });
}

export async function ui(): Promise<Row[]> {
  const rows = [link()];
  if (!CHROMIUM) {
    progress(
      'ui: Chromium is not installed (/usr/bin/chromium; apt-get install -y chromium): the browser figures are skipped, only ui.link is measured',
    );
    return rows;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pagelab-bench-'));
  let server: ChildProcess | null = null;
  try {
    let t0 = now();
    const built = spawnSync(
      process.execPath,
      [VITE, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (built.status !== 0) throw new Error(`vite build failed:\n${built.stderr}`);
    const port = await freePort();
    server = spawn(
      process.execPath,
      [VITE, 'preview', '--outDir', dir, '--port', String(port), '--strictPort'],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const url = `http://localhost:${port}/`;
    await serving(url, server);
    progress(`ui: built and serving on port ${port} in ${ms(now() - t0)}`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({
        serviceWorkers: 'block',
        viewport: { width: 1280, height: 720 },
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      t0 = now();
      await page.goto(url);
      await page.locator('[data-testid="phase"][data-phase="ready"]').waitFor();
      await page.locator('[data-testid="views"][data-seq]').waitFor();
      if (!(await page.evaluate('crossOriginIsolated')))
        throw new Error('the page is not cross-origin isolated (no SharedArrayBuffer)');
      rows.push(...(await publication(page)));
      progress(`ui: publication and command → views measured in ${ms(now() - t0)}`);
      t0 = now();
      rows.push(await tree(page));
      progress(`ui: tree measured in ${ms(now() - t0)}`);
      if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
    } finally {
      await browser.close();
    }
  } finally {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * On the default scenario, in rounds: CHANGES typed commands that allocate and drop a frame (the
 * e2e budgets' commands), then STILL lines that change nothing (the first of them left out: it
 * still clears the alloc's highlight). The rounds interleave so that a neighbour's burst of work
 * on this shared machine falls on both alike.
 */
async function publication(page: Page): Promise<Row[]> {
  await measureCommands(page, 8, 'w'); // warm-up
  const changing = { publish: [] as number[], latency: [] as Latency[] };
  const still = { publish: [] as number[], latency: [] as Latency[] };
  const load: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let since = await pageNow(page);
    const lat = await measureCommands(page, CHANGES, `c${r}_`);
    let pub = await measures(page, 'pagelab: publish', since);
    onePerLine(pub, CHANGES);
    changing.publish.push(...pub);
    changing.latency.push(...lat);
    since = await pageNow(page);
    const quiet = await measureLines(page, Array<string>(STILL).fill(STILL_LINE));
    pub = await measures(page, 'pagelab: publish', since);
    onePerLine(pub, STILL);
    still.publish.push(...pub.slice(1));
    still.latency.push(...quiet.slice(1));
    load.push(loadavg()[0]!);
  }
  const total = (ls: Latency[]) => ls.map((l) => l.total);
  const parts = (ls: Latency[]) =>
    (['exec', 'worker', 'snapshot', 'render'] as const)
      .map((k) => `${k} ${ms(median(ls.map((l) => l[k])))}`)
      .join(', ');
  const n = changing.publish.length;
  const m = still.publish.length;
  const loadNote = `load average during the rounds: ${load.map((x) => x.toFixed(1)).join(', ')} (2 cores: above 1 the page shares them)`;
  const out: Row[] = [];
  for (const q of [0.5, 0.95]) {
    const tag = q === 0.5 ? 'p50' : 'p95';
    const pub = pct(changing.publish, q);
    out.push(
      row({
        name: `ui.publish.${tag}`,
        value: pub,
        unit: 'ms',
        limit: pct(still.publish, q),
        what: `${tag} of the main thread's time per published snapshot ('pagelab: publish': from its message to the end of React's commit and effects), over ${n} typed alloc/drop commands; limit = the same ${tag} over ${m} typed lines that change nothing (\`${STILL_LINE}\`), in the same page`,
        goal: `≤ ${PUBLISH_GOAL_MS} ms`,
        met: pub <= PUBLISH_GOAL_MS,
        notes:
          q === 0.5
            ? [
                `changing: max ${ms(pct(changing.publish, 1))}; unchanged: max ${ms(pct(still.publish, 1))}`,
                loadNote,
              ]
            : [],
      }),
    );
  }
  for (const q of [0.5, 0.95]) {
    const tag = q === 0.5 ? 'p50' : 'p95';
    const lat = pct(total(changing.latency), q);
    out.push(
      row({
        name: `ui.command.${tag}`,
        value: lat,
        unit: 'ms',
        limit: pct(total(still.latency), q),
        what: `${tag} of command → views (window.__pagelab.latencies(): Enter to the views' commit) over the same ${n} commands; limit = the same ${tag} over the same ${m} lines that change nothing`,
        goal: `≤ ${COMMAND_GOAL_MS} ms`,
        met: lat <= COMMAND_GOAL_MS,
        notes:
          q === 0.5
            ? [`medians, changing: ${parts(changing.latency)}; unchanged: ${parts(still.latency)}`]
            : [],
      }),
    );
  }
  return out;
}

/** Each line brought exactly one publication (nothing fetched a snapshot again). */
function onePerLine(pub: number[], lines: number): void {
  if (pub.length !== lines)
    throw new Error(`${lines} lines made ${pub.length} publications, not one each`);
}

/**
 * The e2e tree budget's machine (10^5 pages mapped) with every node open, in the same page: the
 * frame intervals while it sits still (the limit: what the browser's frame clock gives a page that
 * does nothing), then while the wheel zooms and a drag pans it.
 */
async function tree(page: Page): Promise<Row> {
  for (const line of BIG_TREE) await run(page, line, 120_000);
  const view = page.getByTestId('view-page-table');
  if (!(await view.innerText()).includes('102,400 mappings'))
    throw new Error('the tree does not show the 102,400 mappings of the workload');
  await view.getByRole('button', { name: 'Expand all' }).click();
  const canvas = page.getByTestId('pt-canvas');
  await page.waitForFunction(
    'Number(document.querySelector(\'[data-testid="pt-canvas"]\')?.getAttribute("data-items")) > 102400',
    undefined,
    { timeout: 30_000 },
  );
  const items = Number(await canvas.getAttribute('data-items'));
  await canvas.scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await recordFrames(page);
  await page.waitForTimeout(2500);
  const idle = await recorded(page);
  await recordFrames(page);
  await panAndZoom(page, canvas);
  const moving = await recorded(page);
  if (moving.draws.length < 20)
    throw new Error(`the tree was drawn ${moving.draws.length} times while moving: too few`);
  const p95 = pct(moving.frames, 0.95);
  return row({
    name: 'ui.tree.frame.p95',
    value: p95,
    unit: 'ms',
    limit: pct(idle.frames, 0.95),
    what: `p95 of the frame interval (requestAnimationFrame) while wheel-zooming and dragging the page-table tree of 102,400 mapped pages, every node open (${items} marks), ${moving.frames.length} frames; limit = the p95 interval of the same page left still, ${idle.frames.length} frames`,
    goal: `≤ ${FRAME_GOAL_MS} ms`,
    met: p95 <= FRAME_GOAL_MS,
    notes: [
      `tree draws while moving: ${moving.draws.length}, p50 ${ms(median(moving.draws))}, p95 ${ms(pct(moving.draws, 0.95))}; frame interval max moving ${ms(pct(moving.frames, 1))}, still ${ms(pct(idle.frames, 1))}`,
    ],
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, 'localhost', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until the preview server answers (or exits). */
async function serving(url: string, server: ChildProcess): Promise<void> {
  let stderr = '';
  server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = now() + 30_000;
  while (now() < deadline) {
    if (server.exitCode !== null) throw new Error(`vite preview exited: ${stderr}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vite preview did not answer at ${url} within 30 s: ${stderr}`);
}
