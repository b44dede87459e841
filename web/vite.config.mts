import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The dashboard's build: `npm run build` / `npm start` run it through scripts/build-web.js (which
 * skips it when nothing changed) into dist/web, which the app serves at `/`. The app answers
 * index.html with a fresh Content-Security-Policy nonce in place of the placeholder below.
 */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  html: { cspNonce: '__MM_CSP_NONCE__' },
  build: {
    outDir: `${here}/../dist/web`,
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // Mantine marks its modules "use client" for React Server Components; a browser bundle has none.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
