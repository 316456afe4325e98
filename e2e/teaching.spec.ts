// Teaching: a lesson walked with predictions (one right, one wrong, the score and the lesson list's
// progress), an exercise opened by its `#x=` link and answered, an embedded view with two panels,
// and the ledger exported as text. Screenshots: test-results/screenshots/teach-*.png.
import { expect, test, type Page } from '@playwright/test';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/teach-${name}.png`, fullPage: true });

async function open(page: Page, path = '/') {
  await page.goto(path);
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
}

/** Steps forward until the lesson bar asks for a prediction. */
async function toNextPrediction(page: Page) {
  const form = page.getByTestId('predict-form');
  for (let i = 0; i < 60 && !(await form.isVisible()); i++) {
    await page.getByTestId('step-forward').click();
    await page.waitForTimeout(50);
  }
  await expect(form).toBeVisible();
}

test('a lesson walked with predictions: one right, one wrong, scored and kept', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('scenarios-button').click();
  await page.getByTestId('scenarios-menu').locator('[data-scenario="lessons/02-tlb"]').click();
  await expect(page.getByTestId('lesson-bar')).toContainText('2. The TLB');
  await expect(page.getByTestId('lesson-score')).toContainText('0 of');

  await toNextPrediction(page);
  await expect(page.getByTestId('predict-form')).toContainText('Does this first write succeed?');
  await shot(page, 'predict');
  await page.getByTestId('predict-answer').selectOption('ok');
  await page.getByTestId('predict-submit').click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-right', 'true');
  await expect(verdict).toContainText('✓ Right');
  // The reveal ran the command and its expect line.
  await expect(page.getByTestId('timeline-current')).toContainText('expect ok');

  await toNextPrediction(page);
  await expect(page.getByTestId('predict-form')).toContainText('read-only now');
  await page.getByTestId('predict-answer').selectOption('ok');
  await page.getByTestId('predict-submit').click();
  await expect(verdict).toHaveAttribute('data-right', 'false');
  await expect(verdict).toContainText('error PageFault');
  await expect(page.getByTestId('lesson-score')).toContainText('1 of');
  await expect(page.getByTestId('lesson-score')).toContainText('1 wrong');
  await shot(page, 'verdict');

  // The progress is kept: after a reload, the lesson list shows it.
  await page.reload();
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'ready');
  await page.getByTestId('scenarios-button').click();
  const item = page.getByTestId('scenarios-menu').locator('[data-scenario="lessons/02-tlb"]');
  await expect(item.getByTestId('lesson-progress')).toContainText(/^1\/\d+ right · \d+%$/);
  await shot(page, 'lesson-list');
});

test('an exercise opened by its #x= link, answered wrong then right', async ({ page }) => {
  await open(page, '/#x=refcount-42');
  const panel = page.getByTestId('exercise');
  await expect(panel).toContainText('Exercise refcount-42');
  await expect(page.getByTestId('exercise-question')).toContainText('refcount of `page`');
  await expect(page.getByTestId('session-title')).toContainText('exercise refcount-42');
  await expect(page.getByTestId('exercise-link')).toHaveValue(/#x=refcount-42$/);
  await page.getByTestId('exercise-answer').fill('banana');
  await page.getByTestId('exercise-check').click();
  const verdict = page.getByTestId('exercise-verdict');
  await expect(verdict).toHaveAttribute('data-right', 'false');
  const answer = (await verdict.locator('strong').textContent())!.split(' ')[0]!;
  await page.getByTestId('exercise-answer').fill(answer);
  await page.getByTestId('exercise-check').click();
  await expect(verdict).toHaveAttribute('data-right', 'true');
  await shot(page, 'exercise');

  // A bad link says why, and "new exercise" picks a seed.
  await open(page, '/#x=paging-7');
  await expect(page.getByTestId('exercise-error')).toContainText(
    '“paging” is not an exercise kind (one of: translate, refcount, rw)',
  );
  await page.getByTestId('exercise-kind').selectOption('translate');
  await page.getByTestId('exercise-new').click();
  await expect(page.getByTestId('exercise-question')).toContainText('physical address');
  await expect(page.getByTestId('exercise')).toContainText(/Exercise translate-\d+/);
});

test('an embedded view: two panels of a shared scenario, no chrome, keyboard-operable', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('share-button').click();
  const link = new URL(await page.getByTestId('share-link').inputValue());
  const at = await page.evaluate<{ step: number }>('window.__pagelab.state()');

  await page.goto(`/?embed=1&panels=frames,ledger${link.hash}`);
  await expect(page.getByTestId('view-frames')).toBeVisible();
  await expect(page.getByTestId('view-ledger')).toBeVisible();
  for (const hidden of ['view-page-table', 'view-tlb', 'terminal', 'timeline', 'phase'])
    await expect(page.getByTestId(hidden)).toHaveCount(0);
  expect((await page.evaluate<{ step: number }>('window.__pagelab.state()')).step).toBe(at.step);

  // Tab reaches the controls; ← steps the timeline back, → forward again.
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveCount(1);
  await page.keyboard.press('ArrowLeft');
  await expect
    .poll(async () => (await page.evaluate<{ step: number }>('window.__pagelab.state()')).step)
    .toBeLessThan(at.step);
  await page.keyboard.press('ArrowRight');
  await expect
    .poll(async () => (await page.evaluate<{ step: number }>('window.__pagelab.state()')).step)
    .toBe(at.step);
  await shot(page, 'embed');

  await page.goto(`/?embed=1&panels=tlb,bogus${link.hash}`);
  await expect(page.getByTestId('embed-warning')).toContainText('bogus');
  await expect(page.getByTestId('view-tlb')).toBeVisible();
});

test('views export: the ledger as text (downloaded and copied), the frames as PNG', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await open(page);
  const ledger = page.getByTestId('view-ledger');
  await ledger.getByTestId('export-ledger').locator('summary').click();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    ledger.getByTestId('export-text').click(),
  ]);
  expect(file.suggestedFilename()).toBe('pagelab-ledger.txt');
  const text = await (await file.createReadStream()).toArray();
  const content = Buffer.concat(text).toString('utf8');
  expect(content).toMatch(/^Ownership ledger — \d+ live handles?; every invariant holds/);
  expect(content).toContain('meta.refcount_band');
  expect(content).toContain('Live handles');
  await ledger.getByTestId('export-copy').click();
  await expect(ledger.getByTestId('export-status')).toHaveText('Copied');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(content);
  await shot(page, 'export-menu');

  const frames = page.getByTestId('view-frames');
  await frames.getByTestId('export-frames').locator('summary').click();
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    frames.getByTestId('export-png').click(),
  ]);
  expect(png.suggestedFilename()).toBe('pagelab-frames.png');
  await png.saveAs('test-results/screenshots/teach-export-frames.png');
  const tlb = page.getByTestId('view-tlb');
  await tlb.getByTestId('export-tlb').locator('summary').click();
  const [tlbPng] = await Promise.all([
    page.waitForEvent('download'),
    tlb.getByTestId('export-png').click(),
  ]);
  await tlbPng.saveAs('test-results/screenshots/teach-export-tlb.png');
});
