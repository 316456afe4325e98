// @ts-check
// Reads the Vitest and Playwright JSON reports and prints the one closing line
// `N passed, M failed` (exit 1 when M > 0).
//
// Usage: node scripts/count.mjs [--stage NAME=STATUS]...
//   Each stage is a command the test script ran: tsc, eslint, vitest, playwright, with its exit
//   status. A failed tsc or eslint counts as one failure; a runner that exited non-zero counts
//   as one failure unless its report already shows a failed test, and a runner with no report
//   counts as one failure.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const UNIT_REPORT = 'test-results/unit.json';
export const E2E_REPORT = 'test-results/e2e.json';

/**
 * @typedef {{ passed: number, failed: number, notes: string[] }} Tally
 */

/**
 * Counts a Vitest (Jest-compatible) JSON report.
 * @param {any} report
 * @returns {Tally}
 */
export function countVitest(report) {
  const notes = [];
  let passed = 0;
  let failed = 0;
  for (const file of report.testResults ?? []) {
    /** @type {Array<{ status: string }>} */
    const tests = file.assertionResults ?? [];
    const fileFailed = tests.filter((t) => t.status === 'failed').length;
    passed += tests.filter((t) => t.status === 'passed').length;
    failed += fileFailed;
    // A file that failed to load or threw outside a test has no failed test of its own.
    if (file.status === 'failed' && fileFailed === 0) {
      failed += 1;
      notes.push(`vitest: ${file.name} failed outside any test`);
    }
  }
  return { passed, failed, notes };
}

/**
 * Counts a Playwright JSON report.
 * @param {any} report
 * @returns {Tally}
 */
export function countPlaywright(report) {
  const notes = [];
  const stats = report.stats ?? {};
  const passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
  let failed = stats.unexpected ?? 0;
  const errors = report.errors ?? [];
  if (errors.length > 0) {
    failed += errors.length;
    for (const e of errors) notes.push(`playwright: ${String(e.message ?? e).split('\n')[0]}`);
  }
  return { passed, failed, notes };
}

/**
 * Reads a JSON report; null when missing or unreadable.
 * @param {string} path
 */
function readReport(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Combines stage exit statuses and reports into one tally.
 * @param {Record<string, number>} stages exit status by stage name (missing: not run)
 * @param {{ unit: any, e2e: any }} reports parsed reports (null: none)
 * @returns {Tally}
 */
export function tally(stages, reports) {
  /** @type {Tally} */
  const total = { passed: 0, failed: 0, notes: [] };
  for (const name of ['tsc', 'eslint']) {
    if (name in stages && stages[name] !== 0) {
      total.failed += 1;
      total.notes.push(`${name} failed (exit ${stages[name]})`);
    }
  }
  /** @type {Array<[string, any, (r: any) => Tally]>} */
  const runners = [
    ['vitest', reports.unit, countVitest],
    ['playwright', reports.e2e, countPlaywright],
  ];
  for (const [name, report, count] of runners) {
    const status = stages[name];
    if (report == null) {
      total.failed += 1;
      total.notes.push(
        `${name} produced no report${status === undefined ? '' : ` (exit ${status})`}`,
      );
      continue;
    }
    const t = count(report);
    total.passed += t.passed;
    total.failed += t.failed;
    total.notes.push(...t.notes);
    if (status !== undefined && status !== 0 && t.failed === 0) {
      total.failed += 1;
      total.notes.push(`${name} exited ${status} with no failed test in its report`);
    }
  }
  return total;
}

/** @param {string[]} argv */
function parseStages(argv) {
  /** @type {Record<string, number>} */
  const stages = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--stage') continue;
    const [name, status] = String(argv[++i]).split('=');
    if (name) stages[name] = Number(status);
  }
  return stages;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const total = tally(parseStages(process.argv.slice(2)), {
    unit: readReport(UNIT_REPORT),
    e2e: readReport(E2E_REPORT),
  });
  for (const note of total.notes) console.log(`  ${note}`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}
