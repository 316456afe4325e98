// A decompression bomb: a link within the length bound whose scenario inflates to 45 MB. The
// decoder must refuse it without ever producing more than about the size bound, so fflate's
// streaming Inflate is wrapped to count every byte it hands out.
import { deflateSync, type FlateStreamHandler } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { MAX_LINK_CHARS, MAX_SCRIPT_BYTES, decodeFragment } from '.';

const inflated = vi.hoisted(() => ({ bytes: 0 }));

vi.mock('fflate', async (importOriginal) => {
  const real = await importOriginal<typeof import('fflate')>();
  class CountingInflate extends real.Inflate {
    constructor(ondata: FlateStreamHandler) {
      super((chunk, final) => {
        inflated.bytes += chunk.length;
        ondata(chunk, final);
      });
    }
  }
  return { ...real, Inflate: CountingInflate };
});

describe('share links against a decompression bomb', () => {
  it('stop inflating just past the size bound, with a clear error', () => {
    const deflated = deflateSync(new Uint8Array(45_000_000).fill(0x61), { level: 9 });
    const bomb = `http://localhost:4173/#s=${Buffer.from(deflated).toString('base64url')}`;
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS); // the link itself is within its bound
    inflated.bytes = 0;
    expect(() => decodeFragment(bomb)).toThrow(/too large \(it inflates past 1048576 bytes/);
    expect(inflated.bytes).toBeGreaterThan(MAX_SCRIPT_BYTES);
    expect(inflated.bytes).toBeLessThan(2 * MAX_SCRIPT_BYTES);
  });

  it('inflate a scenario at the size bound whole', () => {
    const script = 'a'.repeat(MAX_SCRIPT_BYTES);
    const deflated = deflateSync(new TextEncoder().encode(script), { level: 9 });
    const link = `#s=${Buffer.from(deflated).toString('base64url')}`;
    expect(decodeFragment(link).script).toBe(script);
  });
});
