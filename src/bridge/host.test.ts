import { describe, expect, it } from 'vitest';
import { Session, type LineResult } from '../lang';
import defaultScenario from '../scenarios/default.lab?raw';
import { createSimApi, type SessionLike } from './host';

/** A stand-in session: `boom` throws, `bad…` fails, blank lines are blank, anything else echoes. */
class FakeSession implements SessionLike {
  static created = 0;
  private n = 0;
  constructor() {
    FakeSession.created++;
  }
  exec(source: string): LineResult {
    const line = ++this.n;
    if (source === 'boom') throw new Error('kaboom');
    if (source.trim() === '') return { line, source, kind: 'blank', ok: true, text: '' };
    if (source.startsWith('bad'))
      return { line, source, kind: 'op', ok: false, code: 'Syntax', text: 'no' };
    return { line, source, kind: 'op', ok: true, text: `${line}:${source}` };
  }
  runScript(text: string): LineResult[] {
    return text.split('\n').map((source) => this.exec(source));
  }
  reset(): void {
    this.n = 0;
  }
}

describe('createSimApi over a stand-in session', () => {
  it('runs commands on one session and prints their results', async () => {
    const api = createSimApi(() => new FakeSession());
    expect(await api.exec('a')).toEqual({ ok: true, kind: 'op', text: 'ok 1:a' });
    expect(await api.exec('bad')).toEqual({ ok: false, kind: 'op', text: 'error Syntax: no' });
  });

  it('reports an exception as a failed result, never a rejection', async () => {
    const api = createSimApi(() => new FakeSession());
    const crashed = await api.exec('boom');
    expect(crashed.ok).toBe(false);
    expect(crashed.text).toContain('kaboom');
    const loaded = await api.load('boom');
    expect(loaded).toHaveLength(1);
    expect(loaded[0]?.ok).toBe(false);
  });

  it('load starts a fresh session and skips blank lines', async () => {
    const before = FakeSession.created;
    const api = createSimApi(() => new FakeSession());
    await api.exec('x');
    const results = await api.load('a\n\nb');
    expect(FakeSession.created - before).toBe(2);
    expect(results).toEqual([
      { line: 1, source: 'a', ok: true, kind: 'op', text: 'ok 1:a' },
      { line: 3, source: 'b', ok: true, kind: 'op', text: 'ok 3:b' },
    ]);
  });

  it('reset restarts the session', async () => {
    const api = createSimApi(() => new FakeSession());
    await api.exec('a');
    await api.reset();
    expect(await api.exec('b')).toEqual({ ok: true, kind: 'op', text: 'ok 1:b' });
  });
});

describe('createSimApi over the real Session', () => {
  it('runs the default scenario without an error', async () => {
    const api = createSimApi(() => new Session());
    const results = await api.load(defaultScenario);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('answers a command and a syntax error as the terminal shows them', async () => {
    const api = createSimApi(() => new Session());
    await api.load(defaultScenario);
    const alloc = await api.exec('alloc as f9');
    expect(alloc.ok).toBe(true);
    expect(alloc.text).toMatch(/^ok .*\bf9\b/);
    const bad = await api.exec('frobnicate');
    expect(bad.ok).toBe(false);
    expect(bad.text).toMatch(/^error Syntax/);
  });
});
