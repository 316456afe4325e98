import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINK_CHARS, decodeFragment, encodeFragment } from '.';
import { lessonCommands } from '../scenarios/lessons';

describe('share links', () => {
  it('round-trip any script and step', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.option(fc.nat(50), { nil: undefined }),
        (script, step0) => {
          const lines = script.split('\n').length;
          const step = step0 === undefined ? undefined : Math.min(step0, lines);
          const got = decodeFragment(`http://localhost:4173/#${encodeFragment(script, step)}`);
          expect(got.script).toBe(script);
          expect(got.step).toBe(step);
        },
      ),
    );
  });

  it('answer untrusted input with a clear Error, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (junk) => {
        for (const input of [junk, `#s=${junk}`, `#s=${encodeFragment('alloc')}&step=${junk}`]) {
          try {
            decodeFragment(input);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message.length).toBeGreaterThan(10);
          }
        }
      }),
    );
  });

  it('refuse oversized links and scenarios before inflating them whole', () => {
    expect(() => decodeFragment('#s=' + 'A'.repeat(MAX_LINK_CHARS + 1))).toThrow(/too long/);
    // a small link that inflates past the bound (a zip bomb) is refused
    const bomb = encodeFragment('a'.repeat(2 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS);
    expect(() => decodeFragment(bomb)).toThrow(/too large/);
  });

  it('a 1,000-command script of real commands fits in 8 KiB', () => {
    // The commands (not the narration) of the lessons, in order: varied, like a real session.
    const commands = lessonCommands();
    expect(commands.length).toBeGreaterThanOrEqual(1000);
    const script = commands.slice(0, 1000).join('\n');
    expect(encodeFragment(script, 999).length).toBeLessThanOrEqual(8 * 1024);
  });
});
