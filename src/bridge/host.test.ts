import { describe, expect, it } from 'vitest';
import type { ExecResult, ScriptLineResult, SessionLike } from './api';
import { createSimApi } from './host';

/** A stand-in session: `boom` throws, anything else echoes; counts how many were created. */
class FakeSession implements SessionLike {
  static created = 0;
  readonly seen: string[] = [];
  constructor() {
    FakeSession.created++;
  }
  exec(line: string): ExecResult {
    if (line === 'boom') throw new Error('kaboom');
    this.seen.push(line);
    return { ok: !line.startsWith('bad'), text: `${this.seen.length}:${line}` };
  }
  runScript(text: string): ScriptLineResult[] {
    return text.split('\n').map((source, i) => ({ line: i + 1, source, ...this.exec(source) }));
  }
  reset(): void {
    this.seen.length = 0;
  }
}

describe('createSimApi', () => {
  it('runs commands on one session and reports failures as results', async () => {
    const api = createSimApi(() => new FakeSession());
    expect(await api.exec('a')).toEqual({ ok: true, text: '1:a' });
    expect(await api.exec('bad')).toEqual({ ok: false, text: '2:bad' });
    const crashed = await api.exec('boom');
    expect(crashed.ok).toBe(false);
    expect(crashed.text).toContain('kaboom');
  });

  it('load starts a fresh session and returns one result per line', async () => {
    const before = FakeSession.created;
    const api = createSimApi(() => new FakeSession());
    await api.exec('x');
    const results = await api.load('a\nb');
    expect(FakeSession.created - before).toBe(2);
    expect(results).toEqual([
      { line: 1, source: 'a', ok: true, text: '1:a' },
      { line: 2, source: 'b', ok: true, text: '2:b' },
    ]);
  });

  it('load never rejects', async () => {
    const api = createSimApi(() => new FakeSession());
    const results = await api.load('boom');
    expect(results).toHaveLength(1);
    expect(results[0]?.ok).toBe(false);
  });

  it('reset clears the session', async () => {
    const api = createSimApi(() => new FakeSession());
    await api.exec('a');
    await api.reset();
    expect(await api.exec('b')).toEqual({ ok: true, text: '1:b' });
  });
});
