import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// SharedArrayBuffer needs cross-origin isolation: both headers, on the dev server and on preview.
// (public/coi-serviceworker.js covers static hosts that cannot send headers.)
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  test: {
    include: ['src/**/*.test.ts', 'bin/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Property tests run thousands of simulated commands and share 2 cores with each other: a
    // generous per-test limit keeps a loaded CI machine from failing them on time alone.
    testTimeout: 60_000,
  },
});
