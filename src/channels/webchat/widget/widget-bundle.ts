import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Compiles one browser module's TypeScript (its imports and exports already removed) to ES2017. */
export type CompileScript = (source: string, fileName: string) => string;

const IMPORT = /^import\s[^;]*?from '\.\/([\w-]+)';\n/gm;
const TOP_LEVEL_NAME = /^(?:export )?(?:async )?(?:function\*?|const|let|var|class) ([A-Za-z_$][\w$]*)/gm;

/**
 * Joins the widget's browser modules (browser/*.ts: one job each, ES modules so the type checker
 * sees them as such) into the one script widget.js is: each module once, after the modules it
 * reads, inside one function so no name reaches the page, `main` last. A small scope-hoisting
 * bundler, because the script must stay free of dependencies and a loader: the modules' top-level
 * names share that function, so two modules declaring the same name is refused here.
 */
export function bundleWidget(dir: string, compile: CompileScript): string {
  const sources = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) sources.set(file.slice(0, -3), readFileSync(join(dir, file), 'utf8'));
  const ordered: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (ordered.includes(name)) return;
    if (path.includes(name)) throw new Error(`widget modules import each other: ${[...path, name].join(' -> ')}`);
    const source = sources.get(name);
    if (source === undefined) throw new Error(`widget module ${name} not found in ${dir}`);
    for (const m of source.matchAll(IMPORT)) visit(m[1], [...path, name]);
    ordered.push(name);
  };
  visit('main', []);
  const declaredIn = new Map<string, string>();
  const parts = ordered.map((name) => {
    const source = sources
      .get(name)!
      .replace(IMPORT, '')
      .replace(/^export (?!\{)/gm, '');
    for (const m of source.matchAll(TOP_LEVEL_NAME)) {
      const other = declaredIn.get(m[1]);
      if (other) throw new Error(`widget modules ${other} and ${name} both declare ${m[1]}: rename one`);
      declaredIn.set(m[1], name);
    }
    return compile(source, `${name}.ts`);
  });
  return `(function () {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}

/** The compiler of `npm run build` and of a run from the sources: swc, loaded only when called (a dev dependency). */
export const compileWithSwc: CompileScript = (source, filename) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swc = require('@swc/core') as typeof import('@swc/core');
  return swc.transformSync(source, { filename, isModule: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2017' } }).code;
};
