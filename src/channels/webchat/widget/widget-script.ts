import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * widget.js as served (GET /widget.js): widget.ts compiled for browsers. `npm run build` compiles
 * it beside this module in dist/ (tsconfig.widget.json, which also type-checks it against the DOM
 * library in `npm run typecheck`); run from the sources (tests), it is compiled here on load.
 */
function loadWidget(): string {
  const built = join(__dirname, 'widget.js');
  if (existsSync(built)) return readFileSync(built, 'utf8');
  // Only from the sources, where the dev dependencies are installed (swc: fast enough for every app start in the tests); a build never gets here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swc = require('@swc/core') as typeof import('@swc/core');
  const source = readFileSync(join(__dirname, 'widget.ts'), 'utf8');
  return swc.transformSync(source, { filename: 'widget.ts', isModule: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2017' } }).code;
}

export const WIDGET_JS = loadWidget();
