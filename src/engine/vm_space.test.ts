// VmSpace semantics that a scenario cannot pin because they differ only in a message.
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests drive the engine through the language
import { Session } from '../lang';

function errorOf(script: string): string {
  const rs = new Session().runScript(script);
  const last = rs.filter((r) => r.kind === 'op').at(-1)!;
  expect(last.ok).toBe(false);
  return `${last.code}: ${last.text}`;
}

describe('cursor creation', () => {
  // ostd-model §3.5: Cursor::new checks is_valid_range and emptiness (InvalidVaddrRange) before
  // alignment (UnalignedVaddr); VmSpace turns both into AccessDenied, naming the first that fails.
  it('names InvalidVaddrRange for a reversed or out-of-range range, even if also unaligned', () => {
    expect(errorOf('vmspace as vs\ncursor vs 0x2001..0x1000')).toMatch(
      /^AccessDenied: .*InvalidVaddrRange/,
    );
    expect(errorOf('vmspace as vs\ncursor_mut vs 0x1001..0x8000_0000_0000')).toMatch(
      /^AccessDenied: .*InvalidVaddrRange/,
    );
    expect(errorOf('vmspace as vs\ncursor vs 0x1001..0x2000')).toMatch(
      /^AccessDenied: .*UnalignedVaddr/,
    );
  });
});

describe('map VS VA FRAME', () => {
  it('names an unknown space or frame before the cursor it would open could block', () => {
    const locked = 'vmspace as vs\ncursor_mut vs 0x400000+4K as c\n';
    expect(errorOf(`${locked}map vs 0x400000 nosuch`)).toMatch(/^UnknownHandle: .*`nosuch`/);
    expect(errorOf(`${locked}map nosuch 0x400000 c`)).toMatch(/^UnknownHandle: .*`nosuch`/);
    expect(errorOf(`${locked}map vs 0x400000 c`)).toMatch(/^WrongKind: /);
    expect(errorOf(`${locked}alloc as f\nmap vs 0x400000 f`)).toMatch(/^WouldBlock: /);
  });
});
