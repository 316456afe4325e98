import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../bridge/complete';
import { HELP, helpText } from './help';

describe('help', () => {
  it('covers exactly the commands that Tab completes', () => {
    expect(HELP.map((h) => h.name).sort()).toEqual([...COMMANDS].sort());
  });

  it('prints one command, or says there is no such command', () => {
    expect(helpText('alloc')[0]).toMatch(/^alloc \[N\]/);
    expect(helpText('frob')[0]).toMatch(/no command `frob`/);
    expect(helpText().length).toBeGreaterThan(HELP.length);
  });

  it("writes a command's usage as commands.md does, every option included", () => {
    expect(helpText('dma')[0]).toContain('dma coherent S [coherent=yes|no] [as NAME]');
  });
});
