import { describe, expect, it } from 'vitest';
import { MAX_SCRIPT_LINES, Session, encodeFragment, scriptLines } from '../lang';
import defaultScenario from '../scenarios/default.lab?raw';
import { createSimApi } from './host';

/** A session with a bug on demand: `boom` throws from inside the language. */
class BoomSession extends Session {
  override exec(source: string, failures?: string[]) {
    if (source === 'boom') throw new Error('kaboom');
    return super.exec(source, failures);
  }
}

/** The state hash of running `lines` fresh. */
function freshHash(lines: string[]): string {
  const s = new Session();
  for (const l of lines) s.exec(l);
  return s.stateHash();
}

const SCRIPT = [
  'machine mem=8M',
  '# a comment',
  'alloc as f1',
  '',
  'clone f1 as f2',
  'drop f2',
  'frobnicate',
];

describe('the worker API over a Session and its History', () => {
  it('runs a command and reports its result, effects, violations and step', async () => {
    const api = createSimApi();
    const r = await api.exec('alloc as f1');
    expect(r).toMatchObject({ ok: true, kind: 'op', step: 1, violations: [] });
    expect(r.text).toMatch(/^ok .*\bf1\b/);
    expect(r.effects.join('\n')).toMatch(/refcount/);
    const bad = await api.exec('alloc 3 frob');
    expect(bad).toMatchObject({ ok: false, code: 'Syntax', step: 2 });
    expect(bad.col).toBe(9);
    const leak = await api.exec('into_raw f1');
    expect(leak.ok).toBe(true);
    const drop = await api.exec('unsafe from_raw f1 as g');
    expect(drop.ok).toBe(true);
    expect((await api.exec('unsafe from_raw f1 as h')).violations.map((v) => v.id)).toContain(
      'acc.refcount_exact',
    );
  });

  it('brings the views a snapshot with the result when asked, tagged with its epoch', async () => {
    const api = createSimApi();
    const plain = await api.exec('alloc as f1');
    expect(plain.snapshot).toBeUndefined();
    const r = await api.exec('clone f1 as f2', { snapshot: true });
    expect(r.snapshot?.handles.map((h) => h.name).sort()).toEqual(['f1', 'f2']);
    expect(r.snapshot?.last?.source).toBe('clone f1 as f2');
    expect(r.epoch).toBe(Atomics.load(new Int32Array((await api.epoch())!), 0));
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it('turns an exception into a result and keeps the session as it was', async () => {
    const api = createSimApi(new BoomSession());
    await api.exec('alloc as f1');
    const before = (await api.status()).hash;
    const r = await api.exec('boom');
    expect(r.ok).toBe(false);
    expect(r.text).toContain('kaboom');
    const st = await api.status();
    expect(st).toMatchObject({ step: 1, length: 1, hash: before });
    expect(await api.script()).toBe('alloc as f1');
  });

  it('refuses more than one line at a time', async () => {
    const api = createSimApi();
    expect((await api.exec('alloc\nalloc')).ok).toBe(false);
    expect((await api.status()).length).toBe(0);
  });

  it('loads the default scenario without an error', async () => {
    const api = createSimApi();
    const loaded = await api.load(defaultScenario);
    expect(loaded.ok).toBe(true);
    expect(loaded.results.length).toBeGreaterThan(0);
    expect(loaded.results.filter((r) => !r.ok)).toEqual([]);
    expect(loaded.status.step).toBe(scriptLines(defaultScenario).length);
    expect(loaded.status.violations).toEqual([]);
    expect(await api.script()).toBe(scriptLines(defaultScenario).join('\n'));
  });

  it('lists the visible lines in the timeline, run or not', async () => {
    const api = createSimApi();
    const loaded = await api.load(SCRIPT.join('\n'), 3);
    expect(loaded.results.map((r) => r.line)).toEqual([1, 3]);
    const tl = await api.timeline();
    expect(tl.map((e) => e.step)).toEqual([1, 3, 5, 6, 7]);
    expect(tl[1]).toMatchObject({ step: 3, line: 3, source: 'alloc as f1', ok: true, kind: 'op' });
    expect(tl[2]!.ok).toBeUndefined();
    expect((await api.timeline(4)).map((e) => e.step)).toEqual([5, 6, 7]);
  });

  it('steps back and forward over visible lines, to the exact states', async () => {
    const api = createSimApi();
    await api.load(SCRIPT.join('\n'));
    const at = async () => (await api.status()).step;
    expect(await at()).toBe(7);
    expect((await api.back()).step).toBe(6);
    expect((await api.back()).step).toBe(5);
    const s3 = await api.back();
    expect(s3.step).toBe(3);
    expect(s3.hash).toBeUndefined(); // only status() computes it
    expect((await api.status()).hash).toBe(freshHash(SCRIPT.slice(0, 3)));
    expect(s3.current).toMatchObject({ step: 3, source: 'alloc as f1', ok: true });
    expect(s3.current!.effects.length).toBeGreaterThan(0);
    expect((await api.back()).step).toBe(1);
    expect((await api.back()).step).toBe(0);
    expect((await api.back()).step).toBe(0);
    expect((await api.status()).current).toBeNull();
    expect((await api.forward()).step).toBe(1);
    expect((await api.forward()).step).toBe(3);
    const s6 = await api.seek(6);
    expect(s6.step).toBe(6);
    expect((await api.status()).hash).toBe(freshHash(SCRIPT.slice(0, 6)));
    expect((await api.forward()).step).toBe(7);
    expect((await api.forward()).step).toBe(7);
    expect((await api.seek(-3)).step).toBe(0);
    expect((await api.seek(99)).step).toBe(7);
  });

  it('a command typed in the past drops the future', async () => {
    const api = createSimApi();
    await api.load(SCRIPT.join('\n'), 3);
    const r = await api.exec('alloc 2');
    expect(r.step).toBe(4);
    expect(await api.script()).toBe([...SCRIPT.slice(0, 3), 'alloc 2'].join('\n'));
    expect((await api.timeline()).map((e) => e.source)).toEqual([
      'machine mem=8M',
      'alloc as f1',
      'alloc 2',
    ]);
  });

  it('publishes an even epoch after every change', async () => {
    const api = createSimApi();
    const buf = await api.epoch();
    expect(buf).not.toBeNull();
    const epoch = new Int32Array(buf!);
    expect(Atomics.load(epoch, 0)).toBe(0);
    await api.exec('alloc');
    expect(Atomics.load(epoch, 0)).toBe(2);
    await api.back();
    await api.load('alloc');
    expect(Atomics.load(epoch, 0)).toBe(6);
    await api.status();
    await api.timeline();
    expect(Atomics.load(epoch, 0)).toBe(6);
  });

  it('counts every line it runs in the second cell, its sign of life during a long call', async () => {
    const api = createSimApi();
    const cells = new Int32Array((await api.epoch())!);
    expect(Atomics.load(cells, 1)).toBe(0);
    await api.load('alloc as a\n\nclone a as b\ndrop b');
    expect(Atomics.load(cells, 1)).toBe(4);
    await api.exec('alloc');
    expect(Atomics.load(cells, 1)).toBe(5);
    await api.status();
    expect(Atomics.load(cells, 1)).toBe(5);
    expect(await api.ping()).toBe(true);
  });

  it('builds a snapshot of the current step and completes live handle names', async () => {
    const api = createSimApi();
    await api.load(SCRIPT.join('\n'), 5);
    const snap = await api.snapshot();
    expect(snap.last?.source).toBe('clone f1 as f2');
    expect(snap.handles.map((h) => h.name).sort()).toEqual(['f1', 'f2']);
    expect((await api.complete('drop f')).items).toEqual(['f1', 'f2']);
    await api.seek(4); // a blank line: the current step is still `alloc as f1`
    expect((await api.snapshot()).last?.source).toBe('alloc as f1');
    const f1 = snap.handles.find((h) => h.name === 'f1')!;
    expect((await api.frame(f1.pfn!))?.pfn).toBe(f1.pfn);
  });

  it('reset starts an empty session', async () => {
    const api = createSimApi();
    await api.load(SCRIPT.join('\n'));
    const st = await api.reset();
    expect(st).toMatchObject({ step: 0, length: 0, current: null });
    expect((await api.status()).hash).toBe(new Session().stateHash());
  });
});

describe('share links', () => {
  it('a link reopens the same script at the same step, to the same state', async () => {
    const a = createSimApi();
    await a.load(SCRIPT.join('\n'), 5);
    const fragment = await a.link();
    expect(fragment).toMatch(/^s=[A-Za-z0-9_-]+&step=5$/);
    const b = createSimApi();
    const opened = await b.loadLink(`https://example.invalid/#${fragment}`);
    expect(opened.ok).toBe(true);
    expect(opened.status.step).toBe(5);
    expect((await b.status()).hash).toBe((await a.status()).hash);
    expect(await b.script()).toBe(await a.script());
  });

  it("a loaded script ends, and shares, at scriptLines' count: `pagelab link`'s default step", async () => {
    const scripts = [
      'alloc\nalloc\n',
      'alloc\nalloc',
      'alloc\r\nalloc\r\n',
      'alloc\n\n\n',
      '\uFEFFalloc\n',
      '',
    ];
    for (const script of scripts) {
      const end = scriptLines(script).length;
      const api = createSimApi();
      expect((await api.load(script)).status.step).toBe(end);
      expect(await api.link()).toMatch(new RegExp(`&step=${end}$`));
      // a link at that step (what `pagelab link` prints) opens at that step
      const opened = await createSimApi().loadLink(encodeFragment(script, end));
      expect(opened.status.step).toBe(end);
    }
  });

  it('Share refuses a script too large for a link instead of making one that does not open', async () => {
    const api = createSimApi();
    await api.load(Array.from({ length: MAX_SCRIPT_LINES + 1 }, () => '# a comment').join('\n'));
    await expect(api.link()).rejects.toThrow(/lines; a link carries at most/);
  });

  it('a bad link changes nothing and says why', async () => {
    const api = createSimApi();
    await api.exec('alloc');
    for (const bad of ['s=!!!', 'step=3', 's=AAAA&step=x', 'garbage']) {
      const r = await api.loadLink(bad);
      expect(r.ok).toBe(false);
      expect(r.error).toBeTruthy();
      expect(r.status.step).toBe(1);
    }
  });
});
