// The commands of the lessons, for the share-link size budget (src/lang/link.test.ts and the
// benchmark's ui workload): real, varied commands, as a session types them. Node only (reads files).
import { readdirSync, readFileSync } from 'node:fs';

/** The lessons' command lines in file order, without comments and without `note` or `ask` lines. */
export function lessonCommands(): string[] {
  const dir = new URL('./lessons/', import.meta.url);
  return readdirSync(dir)
    .sort()
    .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n'))
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l && !/^(note|ask)\b/.test(l));
}
