// The entities a violation blames are handle names (the UI selects them): a mapping is blamed as
// its VmSpace, and a forgotten reference, which no handle holds, is not blamed at all.
import { handleNamesAt, type CheckContext } from './context';

/** The spaces whose page tables map page `p`, each once, in walk order. */
export function spacesMapping(ctx: CheckContext, p: number): string[] {
  const out: string[] = [];
  for (const l of ctx.holders.mappings.get(p) ?? []) if (!out.includes(l.space)) out.push(l.space);
  return out;
}

/** The handles holding page `p`, then the spaces mapping it. */
export function blameAt(ctx: CheckContext, p: number): string[] {
  const out = handleNamesAt(ctx, p);
  for (const s of spacesMapping(ctx, p)) if (!out.includes(s)) out.push(s);
  return out;
}
