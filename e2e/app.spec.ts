import { expect, test, type Page } from '@playwright/test';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

async function open(page: Page) {
  await page.goto('/');
  // The default scenario has run once the app says it is ready.
  await expect(page.getByTestId('log')).toContainText('Ready.');
}

async function type(page: Page, line: string) {
  const input = page.getByTestId('command');
  await input.fill(line);
  await input.press('Enter');
}

test('the page loads without errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  await open(page);
  await expect(page).toHaveTitle('PageLab');
  await expect(page.getByRole('heading', { name: 'PageLab' })).toBeVisible();
  await expect(page.getByTestId('command')).toBeVisible();
  await expect(page.getByTestId('command')).toBeFocused();
  expect(problems).toEqual([]);
  await shot(page, 'loaded');
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
  const log = page.getByTestId('log');
  // Every command of the scenario is echoed, and none of them failed.
  await expect(log.locator('[data-kind="input"]').first()).toContainText('machine');
  await expect(log.locator('[data-kind="ok"]').first()).toBeVisible();
  await expect(log.locator('[data-kind="error"]')).toHaveCount(0);
  await shot(page, 'default-scenario');
});

test('a command typed at the prompt runs', async ({ page }) => {
  await open(page);
  await type(page, 'alloc as f9');
  const log = page.getByTestId('log');
  await expect(log.locator('[data-kind="input"]').last()).toHaveText('alloc as f9');
  const result = log.locator('li[data-kind]').filter({ hasText: 'f9' }).last();
  await expect(result).toHaveAttribute('data-kind', 'ok');
  await expect(result).toContainText('ok');
  await expect(page.getByTestId('command')).toHaveValue('');
  await shot(page, 'alloc-f9');
});

test('an unknown command is a syntax error', async ({ page }) => {
  await open(page);
  await type(page, 'frobnicate');
  const result = page.getByTestId('log').locator('li[data-kind]').last();
  await expect(result).toHaveAttribute('data-kind', 'error');
  await expect(result).toContainText('Syntax');
  await shot(page, 'syntax-error');
});
