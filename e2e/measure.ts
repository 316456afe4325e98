// What the speed budgets measure on the page, shared by the e2e budget tests and the benchmark's ui
// workload (bench/ui.ts): lines typed as a person types them, each waited for until the views show
// it, and the page's own records of what that cost (window.__pagelab.latencies(), the
// `pagelab: publish` measures, the views' draw times, frame intervals). Plain Page calls, no
// `expect`: it runs outside the test runner too.
import type { Locator, Page } from 'playwright-core';

/** Command → views for one typed command (src/app/sim.ts Latency), in ms. */
export interface Latency {
  total: number;
  exec: number;
  worker: number;
  wait: number;
  snapshot: number;
  render: number;
}

/** Types a line into the terminal as a person does: click it, type, Enter. */
export async function type(page: Page, line: string): Promise<void> {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Types a line and waits until the views show a snapshot newer than the one before it. */
export async function run(page: Page, line: string, timeout = 30_000): Promise<void> {
  const seq = await page.getByTestId('views').getAttribute('data-seq');
  await type(page, line);
  const newer = seq === null ? '[data-seq]' : `:not([data-seq="${seq}"])`;
  await page.locator(`[data-testid="views"]${newer}`).waitFor({ state: 'attached', timeout });
}

/** Runs the lines one at a time (as `run`); returns their latencies, in order. */
export async function measureLines(page: Page, lines: readonly string[]): Promise<Latency[]> {
  for (const line of lines) await run(page, line);
  const all = (await page.evaluate('window.__pagelab.latencies()')) as Latency[];
  return all.slice(-lines.length);
}

/** `n` commands that allocate a frame and drop it in turn (names `TAG0`, `TAG2`, …), measured. */
export function measureCommands(page: Page, n: number, tag: string): Promise<Latency[]> {
  const lines = Array.from({ length: n }, (_, i) =>
    i % 2 ? `drop ${tag}${i - 1}` : `alloc as ${tag}${i}`,
  );
  return measureLines(page, lines);
}

/** The durations of the `name` measures the page recorded after `since` (performance.now()). */
export function measures(page: Page, name: string, since: number): Promise<number[]> {
  return page.evaluate(
    ([n, t]) =>
      performance
        .getEntriesByName(n as string, 'measure')
        .filter((e) => e.startTime >= (t as number))
        .map((e) => e.duration),
    [name, since] as const,
  );
}

/** The page's clock (performance.now()). */
export const pageNow = (page: Page): Promise<number> =>
  page.evaluate('performance.now()') as Promise<number>;

/** The tree budget's machine: 102,400 pages mapped 4 KiB each in one space, and one walk. */
export const BIG_TREE = [
  'reset',
  'machine mem=1G',
  'vmspace as big',
  'activate big',
  'mmap big 0x400000+400M',
  'read 0x5000000 1',
];

/** What the page records: the views' draw times (views/common.tsx recordDraw), frame intervals. */
interface Recorder {
  __pagelabDraw?: Record<string, number[]>;
  __frames: number[];
  __recording: boolean;
}

/**
 * Starts recording the interval of every animation frame, and the tree's draw times afresh. (A
 * string: tsx, which runs the benchmark, wraps named functions in a helper the page lacks.)
 */
export async function recordFrames(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    if (window.__pagelabDraw) window.__pagelabDraw.tree = [];
    window.__frames = [];
    window.__recording = true;
    let last = performance.now();
    const tick = (t) => {
      if (!window.__recording) return;
      window.__frames.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
}

/** Stops recording: the tree's draw times, and the frame intervals but the first two (start-up). */
export function recorded(page: Page): Promise<{ draws: number[]; frames: number[] }> {
  return page.evaluate(() => {
    const w = globalThis as unknown as Recorder;
    w.__recording = false;
    return { draws: w.__pagelabDraw?.tree ?? [], frames: w.__frames.slice(2) };
  });
}

/** Zooms in and out (30 wheel steps) and drags (60 moves) over `canvas`, about a step a frame. */
export async function panAndZoom(page: Page, canvas: Locator): Promise<void> {
  const box = (await canvas.boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 30; i++) {
    await page.mouse.wheel(0, i < 15 ? 150 : -150);
    await page.waitForTimeout(16);
  }
  await page.mouse.down();
  for (let i = 0; i < 60; i++) {
    await page.mouse.move(cx + (i % 20) * 8, cy - i * 6);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
}
