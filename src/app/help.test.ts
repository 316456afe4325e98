import { describe, expect, it } from 'vitest';
import { COMMANDS, HELP, helpRequest, helpText } from '../bridge/complete';

describe('help', () => {
  it('covers exactly the commands that Tab completes', () => {
    expect(HELP.map((h) => h.name).sort()).toEqual([...COMMANDS].sort());
  });

  it('prints one command, or says there is no such command', () => {
    expect(helpText('alloc')[0]).toMatch(/^alloc \[N\]/);
    expect(helpText('frob')[0]).toMatch(/no command `frob`/);
    expect(helpText().length).toBeGreaterThan(HELP.length);
  });

  it('is asked for as `help` or `help CMD`, nothing else', () => {
    expect(helpRequest('help')).toEqual({});
    expect(helpRequest('  help map ')).toEqual({ cmd: 'map' });
    expect(helpRequest('helpful')).toBeNull();
    expect(helpRequest('help map now')).toBeNull();
  });

  it("adds the terminal's keys after the list and to `help help`", () => {
    expect(helpText(undefined, 'Keys: K.').at(-1)).toBe('Keys: K.');
    expect(helpText('help', 'Keys: K.')[1]).toContain('Keys: K.');
    expect(helpText('map', 'Keys: K.').join('\n')).not.toContain('Keys: K.');
  });

  it("writes a command's usage as commands.md does, every option included", () => {
    expect(helpText('dma')[0]).toContain('dma coherent S [coherent=yes|no] [as NAME]');
  });
});
