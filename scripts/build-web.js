// Builds the dashboard (web/) into dist/web with Vite, unless the last build came from the same
// sources: `npm start` stays fast on every start after the first. `--force` builds anyway.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'web');
const stampFile = join(out, '.sources');
// What the bundle is made of: the app, the policy rules it shares with the API, and the exact
// package versions.
const inputs = [join(root, 'web'), join(root, 'libs', 'policy', 'src'), join(root, 'libs', 'domain', 'src'), join(root, 'package-lock.json')];
const skip = /(^|\/)(test|node_modules)(\/|$)|\.(spec|test)\.tsx?$/;

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

function sourcesHash() {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((p) => files(p))) {
    const rel = relative(root, file);
    if (skip.test(rel)) continue;
    hash.update(rel).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const wanted = sourcesHash();
const force = process.argv.includes('--force');
if (!force && existsSync(join(out, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === wanted) {
  console.log('dashboard: up to date (dist/web)');
  process.exit(0);
}
const started = Date.now();
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.mts')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('dashboard: the build failed');
  process.exit(result.status ?? 1);
}
writeFileSync(stampFile, `${wanted}\n`);
console.log(`dashboard: built into dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s`);
