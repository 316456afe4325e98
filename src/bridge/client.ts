// The UI side of the contract: starts the simulation worker and wraps it with Comlink.
import * as Comlink from 'comlink';
import type { SimApi } from './api';

export interface SimClient {
  api: Comlink.Remote<SimApi>;
  /** Releases the proxy and terminates the worker (call it in effect cleanup). */
  dispose(): void;
}

export interface SimClientOptions {
  /** Called when the worker itself fails (its script did not load, or it threw at top level). */
  onError?: (message: string) => void;
}

export function createSimClient(options: SimClientOptions = {}): SimClient {
  // Written inline: Vite only bundles a worker whose URL is a literal `new URL(..., import.meta.url)`.
  const worker = new Worker(new URL('../../workers/sim.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pagelab-sim',
  });
  const onError = (event: ErrorEvent) => {
    options.onError?.(event.message || 'the simulation worker failed to start');
  };
  worker.addEventListener('error', onError);
  const api = Comlink.wrap<SimApi>(worker);
  return {
    api,
    dispose() {
      worker.removeEventListener('error', onError);
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
