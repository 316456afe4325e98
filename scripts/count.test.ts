import { describe, expect, it } from 'vitest';
import { countPlaywright, countVitest, tally } from './count.mjs';

const vitestReport = {
  testResults: [
    {
      name: 'a.test.ts',
      status: 'failed',
      assertionResults: [{ status: 'passed' }, { status: 'failed' }, { status: 'skipped' }],
    },
    { name: 'b.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }] },
  ],
};

const playwrightReport = {
  stats: { expected: 4, unexpected: 1, flaky: 1, skipped: 2 },
  errors: [],
};

describe('count', () => {
  it('counts vitest tests by status', () => {
    expect(countVitest(vitestReport)).toMatchObject({ passed: 2, failed: 1 });
  });

  it('counts a vitest file that failed to load as one failure', () => {
    const report = { testResults: [{ name: 'c.test.ts', status: 'failed', assertionResults: [] }] };
    expect(countVitest(report)).toMatchObject({ passed: 0, failed: 1 });
  });

  it('counts playwright expected and flaky as passed, global errors as failed', () => {
    expect(countPlaywright(playwrightReport)).toMatchObject({ passed: 5, failed: 1 });
    const crashed = { stats: { expected: 0, unexpected: 0 }, errors: [{ message: 'no server' }] };
    expect(countPlaywright(crashed)).toMatchObject({ passed: 0, failed: 1 });
  });

  it('sums both runners; a failed tsc or eslint counts once each', () => {
    const stages = { tsc: 2, eslint: 1, vitest: 1, playwright: 1 };
    const t = tally(stages, { unit: vitestReport, e2e: playwrightReport });
    expect(t).toMatchObject({ passed: 7, failed: 4 });
  });

  it('counts a runner without a report as one failure', () => {
    const t = tally({ tsc: 0, eslint: 0, vitest: 1, playwright: 0 }, { unit: null, e2e: null });
    expect(t).toMatchObject({ passed: 0, failed: 2 });
  });

  it('counts a runner that exited non-zero with an all-green report as one failure', () => {
    const green = {
      testResults: [{ name: 'a', status: 'passed', assertionResults: [{ status: 'passed' }] }],
    };
    const t = tally({ vitest: 1 }, { unit: green, e2e: { stats: { expected: 1 } } });
    expect(t).toMatchObject({ passed: 2, failed: 1 });
  });
});
