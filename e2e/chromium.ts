// Debian's Chromium (apt-get install -y chromium) and the flags it runs with here, for the e2e tests
// (playwright.config.ts) and the benchmark's ui workload: Playwright's own browser downloads are
// not available on these machines.
import { existsSync } from 'node:fs';

/** The browser binary, or undefined when it is not installed. /usr/lib/chromium/chromium skips the
 * wrapper script's harmless noise. */
export const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) =>
  existsSync(p),
);

export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
