// Share links: `#s=<base64url(deflate-raw(script))>&step=N`. Links are untrusted input, so decoding
// bounds the encoded size, the inflated size and the line count before anything else looks at it.
// Encoding applies the same bounds (checkShared), so that every link PageLab makes also opens.
import { Inflate, deflateSync } from 'fflate';

export const MAX_LINK_CHARS = 64 * 1024;
export const MAX_SCRIPT_BYTES = 1024 * 1024;
export const MAX_SCRIPT_LINES = 20_000;

/** Input is inflated this many bytes at a time: deflate expands a byte to at most ~1 KiB, so one
 * piece cannot take the output far past MAX_SCRIPT_BYTES before the running count stops it. */
const INFLATE_PIECE = 512;

export interface SharedScenario {
  script: string;
  step: number | undefined;
}

/**
 * A script's lines as the app loads them: a line ends at `\n` or `\r\n`, one trailing newline
 * does not make an extra blank line, and a leading byte-order mark is not text. Their number is
 * the step at the scenario's end, the step the app's Share gives once the script has run.
 */
export function scriptLines(script: string): string[] {
  const body = script.startsWith('\uFEFF') ? script.slice(1) : script;
  if (body === '') return [];
  const lines = body.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** How many lines a link's scenario counts for its bounds: a trailing newline opens a last, empty
 * line (a blank step, as the app's history records one), so a step may name it. */
function boundLines(script: string): number {
  return script.split('\n').length;
}

function notAStep(text: string): Error {
  return new Error(`the step \`${text.slice(0, 20)}\` is not a whole number from 0 to 999999999`);
}

/** A step as a link writes it: 1 to 9 decimal digits. */
export function parseStep(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw notAStep(text);
  return Number(text);
}

/** The bounds every share link meets, applied by both ends: the encoder refuses to make a link
 * that the decoder would refuse to open. */
function checkShared(script: string, bytes: number, step: number | undefined): void {
  if (bytes > MAX_SCRIPT_BYTES)
    throw new Error(
      `the scenario is too large (${bytes} bytes; a link carries at most ${MAX_SCRIPT_BYTES})`,
    );
  const lines = scriptLines(script).length;
  if (lines > MAX_SCRIPT_LINES)
    throw new Error(`the scenario has ${lines} lines; a link carries at most ${MAX_SCRIPT_LINES}`);
  if (step === undefined) return;
  if (!Number.isSafeInteger(step) || step < 0) throw notAStep(String(step));
  const last = boundLines(script);
  if (step > last)
    throw new Error(
      `the step ${step} is past the scenario's end (a link to it names steps 0 to ${last})`,
    );
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s))
    throw new Error('the link holds characters that base64url does not use');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Inflates `data`, or answers undefined as soon as the output passes `limit` bytes: a small link
 * can inflate to tens of megabytes, and no more than one piece's output past the limit is made. */
function inflateBounded(data: Uint8Array, limit: number): Uint8Array | undefined {
  const pieces: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((piece) => {
    total += piece.length;
    if (total <= limit) pieces.push(piece);
  });
  for (let at = 0; at < data.length && total <= limit; at += INFLATE_PIECE)
    inflater.push(data.subarray(at, at + INFLATE_PIECE), at + INFLATE_PIECE >= data.length);
  if (total > limit) return undefined;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The fragment (without `#`) for a script and an optional step. Throws an Error saying why when
 * the link would be one that decodeFragment refuses (too large, too long, a step out of range).
 */
export function encodeFragment(script: string, step?: number): string {
  const bytes = new TextEncoder().encode(script);
  checkShared(script, bytes.length, step);
  const data = deflateSync(bytes, { level: 9 });
  const frag = `s=${toBase64Url(data)}${step !== undefined ? `&step=${step}` : ''}`;
  if (frag.length > MAX_LINK_CHARS)
    throw new Error(
      `the link would be too long (${frag.length} characters; at most ${MAX_LINK_CHARS}): the scenario does not compress enough`,
    );
  return frag;
}

/** Decodes a URL or fragment; throws an Error with a clear message on anything malformed. */
export function decodeFragment(urlOrFragment: string): SharedScenario {
  const hashAt = urlOrFragment.indexOf('#');
  const frag = hashAt >= 0 ? urlOrFragment.slice(hashAt + 1) : urlOrFragment;
  if (frag.length > MAX_LINK_CHARS)
    throw new Error(`the link is too long (${frag.length} characters; at most ${MAX_LINK_CHARS})`);
  const params = new Map<string, string>();
  for (const part of frag.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`malformed link parameter \`${part.slice(0, 40)}\``);
    const key = part.slice(0, eq);
    // A link is untrusted: one that names its scenario or step twice is ambiguous (which one
    // replays?), so it is refused rather than resolved by whichever copy comes last.
    if (params.has(key))
      throw new Error(`malformed link: the parameter \`${key.slice(0, 40)}\` is given twice`);
    params.set(key, part.slice(eq + 1));
  }
  const s = params.get('s');
  if (s === undefined) throw new Error('the link carries no scenario (no `s=` parameter)');
  let raw: Uint8Array | undefined;
  try {
    raw = inflateBounded(fromBase64Url(s), MAX_SCRIPT_BYTES);
  } catch (e) {
    throw new Error(
      `the link's scenario is corrupt (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  if (!raw)
    throw new Error(
      `the link's scenario is too large (it inflates past ${MAX_SCRIPT_BYTES} bytes, the most a link carries)`,
    );
  let script: string;
  try {
    // ignoreBOM keeps a leading byte-order mark: `unlink` gives the file back byte for byte.
    script = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw new Error("the link's scenario is not UTF-8 text");
  }
  const st = params.get('step');
  const step = st === undefined ? undefined : parseStep(st);
  checkShared(script, raw.length, step);
  return { script, step };
}
