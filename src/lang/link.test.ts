import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_LINK_CHARS,
  MAX_SCRIPT_BYTES,
  MAX_SCRIPT_LINES,
  decodeFragment,
  encodeFragment,
  scriptLines,
} from '.';
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

  it('refuse a link that gives its scenario or its step twice (ambiguous: which replays?)', () => {
    const a = encodeFragment('alloc', 1);
    const b = encodeFragment('alloc 2', 1);
    expect(() => decodeFragment(`#${a}&${b}`)).toThrow(/`s` is given twice/);
    expect(() => decodeFragment(`#${a}&step=0`)).toThrow(/`step` is given twice/);
    expect(decodeFragment(`#${a}`)).toEqual({ script: 'alloc', step: 1 });
  });

  it('refuse oversized links and scenarios before inflating them whole', () => {
    expect(() => decodeFragment('#s=' + 'A'.repeat(MAX_LINK_CHARS + 1))).toThrow(/too long/);
    // a small link that inflates past the bound (a zip bomb) is refused
    const deflated = deflateSync(new Uint8Array(2 * 1024 * 1024).fill(0x61), { level: 9 });
    const bomb = `s=${Buffer.from(deflated).toString('base64url')}`;
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

  it("make only links that open: the encoder applies the decoder's bounds", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double(), fc.constant(undefined)),
        (script, step) => {
          let frag: string;
          try {
            frag = encodeFragment(script, step);
          } catch (e) {
            expect((e as Error).message).toMatch(/step/);
            // refused only when the same step written into a link would not open
            const made = encodeFragment(script);
            expect(() => decodeFragment(`${made}&step=${step}`)).toThrow(/step/);
            return;
          }
          const got = decodeFragment(frag);
          expect(got.script).toBe(script);
          expect(got.step === step).toBe(true); // -0 is step 0
        },
      ),
    );
  });

  it('refuse to make a link past a bound, with the reason', () => {
    expect(() => encodeFragment('alloc\nalloc\n', 4)).toThrow(/step 4 is past the scenario's end/);
    expect(() => encodeFragment('alloc', -1)).toThrow(/step `-1` is not a whole number/);
    expect(() => encodeFragment('alloc', 0.5)).toThrow(/not a whole number/);
    expect(() => encodeFragment('a'.repeat(MAX_SCRIPT_BYTES + 1))).toThrow(/too large/);
    expect(() => encodeFragment('\n'.repeat(MAX_SCRIPT_LINES + 1))).toThrow(/lines/);
    // 60,000 random bytes as base64 (80,000 characters) cannot deflate below 60,000 bytes, whose
    // base64url is past the link bound although the text is well within the size bound
    expect(() => encodeFragment(randomBytes(60_000).toString('base64'))).toThrow(/too long/);
  });

  it('scriptLines: the lines the app loads; their number is the end step', () => {
    expect(scriptLines('')).toEqual([]);
    expect(scriptLines('alloc')).toEqual(['alloc']);
    expect(scriptLines('alloc\n')).toEqual(['alloc']);
    expect(scriptLines('alloc\r\nexpect ok\r\n')).toEqual(['alloc', 'expect ok']);
    expect(scriptLines('alloc\n\n')).toEqual(['alloc', '']);
    expect(scriptLines('\uFEFFalloc\n')).toEqual(['alloc']);
  });

  it('give the scenario back byte for byte: newlines, CRLF, a byte-order mark, any UTF-8', () => {
    for (const script of ['alloc\n', 'alloc', 'alloc\r\nexpect ok\r\n', '\uFEFFalloc\n', 'é😀\n\n'])
      expect(decodeFragment(encodeFragment(script)).script).toBe(script);
  });
});
