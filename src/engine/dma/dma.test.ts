// Result texts of the DMA commands, through the language as a user types them.
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../../lang';

function run(lines: string[]): string[] {
  const s = new Session();
  return lines.map((l) => {
    const r = s.exec(l);
    return r.ok ? `ok ${r.text}` : `error ${r.code}: ${r.text}`;
  });
}

describe('device read', () => {
  it('shows the bytes the device read, as `read` shows what the CPU read', () => {
    const out = run([
      'machine mem=16M',
      'alloc 1 as ring',
      'dma coherent ring as d',
      'device write d 0 "ack"',
      'device read d 0 3',
      'device read d 1 2',
      'device read d 0 2',
    ]);
    expect(out[4]).toMatch(/^ok device read 3 bytes at device address 0x[0-9a-f]+: "ack"$/);
    expect(out[5]).toMatch(/: "ck"$/);
    expect(out[6]).toMatch(/2 bytes .*: "ac"$/);
  });
});
