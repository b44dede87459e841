/**
 * `npm run build`: writes widget.js (the web chat widget's browser modules joined into one
 * script, see widget-bundle.ts) beside the compiled widget-script.js in dist/, which serves it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWidget, compileWithSwc } from '../src/channels/webchat/widget/widget-bundle';

const widget = join(__dirname, '..', 'src', 'channels', 'webchat', 'widget');
const out = join(__dirname, '..', 'dist', 'src', 'channels', 'webchat', 'widget');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'widget.js'), bundleWidget(join(widget, 'browser'), compileWithSwc));
