import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWidget, compileWithSwc } from './widget-bundle';

/**
 * widget.js as served (GET /widget.js): the browser modules (browser/) joined into one script by
 * bundleWidget and compiled for browsers. `npm run build` writes it beside this module in dist/
 * (scripts/build-widget.ts); run from the sources (tests), it is made here on load.
 */
function loadWidget(): string {
  const built = join(__dirname, 'widget.js');
  if (existsSync(built)) return readFileSync(built, 'utf8');
  // Only from the sources, where the dev dependencies are installed (swc: fast enough for every app start in the tests); a build never gets here.
  return bundleWidget(join(__dirname, 'browser'), compileWithSwc);
}

export const WIDGET_JS = loadWidget();
