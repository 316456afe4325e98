// The machine clock (TLB LRU ages, fill stamps, slot claims) is 32 bits and wraps. Every scenario
// must judge the same with the clock started just below the wrap, so that it wraps mid-run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Session } from '../lang';

const HERE = fileURLToPath(new URL('.', import.meta.url));

function labFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? labFiles(join(dir, e.name))
        : e.name.endsWith('.lab')
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

/** Runs a scenario with every fresh machine's clock set `ticks` before it wraps; how many wrapped. */
function failuresNearWrap(file: string, ticks: number): { failures: string[]; wrapped: number } {
  const failures: string[] = [];
  const s = new Session();
  let wrapped = 0;
  let tlb = s.machine.tlb;
  const start = (): void => {
    tlb = s.machine.tlb; // `machine` and `reset` boot afresh (a new TLB, its clock at 0)
    tlb.clock[0] = 2 ** 31 - ticks;
  };
  start();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    s.exec(line, failures);
    if (s.machine.tlb !== tlb) {
      if (tlb.clock[0]! < 0) wrapped++;
      start();
    }
  }
  if (tlb.clock[0]! < 0) wrapped++;
  s.finish(failures);
  return { failures, wrapped };
}

describe('the machine clock wraps', () => {
  const passing = labFiles(HERE).filter((f) => !relative(HERE, f).startsWith('must-fail'));
  it('finds the scenarios', () => expect(passing.length).toBeGreaterThan(40));
  let wrapped = 0;
  for (const file of passing)
    it(`${relative(HERE, file)} passes with the clock wrapping mid-run`, () => {
      for (const ticks of [1, 7]) {
        const r = failuresNearWrap(file, ticks);
        expect(r.failures).toEqual([]);
        wrapped += r.wrapped;
      }
    });
  // Many scenarios make few TLB fills; what matters is that dozens of runs cross the wrap.
  it('the clock did wrap in many runs', () => expect(wrapped).toBeGreaterThanOrEqual(20));
});
