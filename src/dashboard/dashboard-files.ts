import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where `npm run build` puts the dashboard: dist/web under the project root. */
export function dashboardDir(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

const TYPES: Record<string, string> = {
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  woff: 'font/woff',
  json: 'application/json',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** Hashed build assets, named like index-5SIzMU6Q.js: nothing else is served from the folder. */
export const ASSET_NAME = /^[A-Za-z0-9_.-]{1,200}\.(js|css|svg|png|woff2?|json)$/;

/**
 * The built dashboard, read once: index.html (with the nonce placeholder Vite wrote into it) and
 * the assets by name. A missing build leaves a page that says how to make one.
 */
export class DashboardFiles {
  readonly index: string | null;
  private readonly assets = new Map<string, Asset>();

  constructor(readonly dir = dashboardDir()) {
    const indexFile = join(dir, 'index.html');
    this.index = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null;
    const assetsDir = join(dir, 'assets');
    if (existsSync(assetsDir)) {
      for (const name of readdirSync(assetsDir)) {
        const ext = ASSET_NAME.exec(name)?.[1];
        if (ext) this.assets.set(name, { body: readFileSync(join(assetsDir, name)), type: TYPES[ext] });
      }
    }
  }

  asset(name: string): Asset | undefined {
    return ASSET_NAME.test(name) ? this.assets.get(name) : undefined;
  }
}

export const NONCE_PLACEHOLDER = '__MM_CSP_NONCE__';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MonkeyMachine</title></head>
<body><h1>MonkeyMachine</h1><p>The dashboard is not built: run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>The API is at <a href="/docs">/docs</a>.</p></body></html>`;

/** index.html for one answer: its nonce in place of the placeholder. */
export function renderIndex(files: DashboardFiles, nonce: string): string {
  return files.index ? files.index.split(NONCE_PLACEHOLDER).join(nonce) : NOT_BUILT;
}
