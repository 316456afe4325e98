import { describe, expect, it } from 'vitest';
import { PANELS, embedOf } from './embed';

describe('embedOf', () => {
  it('is null without embed=1', () => {
    expect(embedOf('')).toBeNull();
    expect(embedOf('?panels=frames')).toBeNull();
  });
  it('reads the panels, reporting unknown names', () => {
    const e = embedOf('?embed=1&panels=ledger, frames,bogus');
    expect([...e!.panels]).toEqual(['ledger', 'frames']);
    expect(e!.unknown).toEqual(['bogus']);
  });
  it('shows every panel when none is named (or none is known)', () => {
    expect([...embedOf('?embed=1')!.panels]).toEqual([...PANELS]);
    expect([...embedOf('?embed=1&panels=nope')!.panels]).toEqual([...PANELS]);
  });
});
