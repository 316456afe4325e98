// A store's value rendered a frame late, by components that need not share the frame of a
// command's publication (the timeline, the status bar, the terminal's text twin).
import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import type { StoreApi } from 'zustand';

/**
 * `select(store)` as it was at most two frames ago. The component does not subscribe the way
 * `useStore` does: a change does not render it in the commit that brought it (which would only
 * render the old value again), but two animation frames later, with the latest value, once for a
 * run of changes (a dragged slider), and not at all when `equal` says the value is the same.
 * `select` and `equal` must be stable (module-level functions).
 */
export function useLagged<S, T>(
  store: StoreApi<S>,
  select: (s: S) => T,
  equal: (a: T, b: T) => boolean = Object.is,
): T {
  const [shown, setShown] = useState(() => select(store.getState()));
  useEffect(() => {
    let frame = 0;
    const flush = () => {
      frame = 0;
      // Rendered here, in this frame's animation callbacks: a render left to the scheduler could
      // still be pending when the next command's snapshot arrives, and React would render it in
      // that publication's commit.
      flushSync(() =>
        setShown((prev) => {
          const next = select(store.getState());
          return equal(prev, next) ? prev : next;
        }),
      );
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(() => (frame = requestAnimationFrame(flush)));
    };
    // It may have changed between the render and this effect.
    schedule();
    const unsubscribe = store.subscribe((now, before) => {
      if (!equal(select(now), select(before))) schedule();
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [store, select, equal]);
  return shown;
}
