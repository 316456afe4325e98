// Share links: `#s=<base64url(deflate-raw(script))>&step=N`. Links are untrusted input, so decoding
// bounds the encoded size, the inflated size and the line count before anything else looks at it.
import { deflateSync, inflateSync } from 'fflate';

export const MAX_LINK_CHARS = 64 * 1024;
export const MAX_SCRIPT_BYTES = 1024 * 1024;
export const MAX_SCRIPT_LINES = 20_000;

export interface SharedScenario {
  script: string;
  step: number | undefined;
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

/** The fragment (without `#`) for a script and an optional step. */
export function encodeFragment(script: string, step?: number): string {
  const data = deflateSync(new TextEncoder().encode(script), { level: 9 });
  return `s=${toBase64Url(data)}${step !== undefined ? `&step=${step}` : ''}`;
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
    params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const s = params.get('s');
  if (s === undefined) throw new Error('the link carries no scenario (no `s=` parameter)');
  let raw: Uint8Array;
  try {
    raw = inflateSync(fromBase64Url(s), { out: undefined });
  } catch (e) {
    throw new Error(
      `the link's scenario is corrupt (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  if (raw.length > MAX_SCRIPT_BYTES)
    throw new Error(
      `the link's scenario is too large (${raw.length} bytes; at most ${MAX_SCRIPT_BYTES})`,
    );
  let script: string;
  try {
    script = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new Error("the link's scenario is not UTF-8 text");
  }
  const lines = script.split('\n').length;
  if (lines > MAX_SCRIPT_LINES)
    throw new Error(`the link's scenario has ${lines} lines; at most ${MAX_SCRIPT_LINES}`);
  let step: number | undefined;
  const st = params.get('step');
  if (st !== undefined) {
    if (!/^\d{1,9}$/.test(st))
      throw new Error(`the link's step \`${st.slice(0, 20)}\` is not a number`);
    step = Number(st);
    if (step > lines)
      throw new Error(`the link's step ${step} is past the scenario's end (${lines} lines)`);
  }
  return { script, step };
}
