// Lets plain `node -r ./scripts/swc-register.js some.ts` run TypeScript (tests that spawn the app,
// bench scripts) with the same swc settings jest uses, without a build step.
const { transformSync } = require('@swc/core');
const { createHash } = require('node:crypto');
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const options = {
  jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

// Compiled files are kept by their source (and the compiler and options): every app process a test
// starts compiled all of src/ again, ~0.5-0.8 s of CPU a start on a quiet machine.
const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'swc-register');
const salt = JSON.stringify([require('@swc/core/package.json').version, options]);

function compile(source, filename) {
  const key = createHash('sha1').update(salt).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  const { code } = transformSync(source, { ...options, filename });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed: processes starting at once never read half a file.
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only checkout: compiled again next time
  }
  return code;
}

Module._extensions['.ts'] = function compileTs(module, filename) {
  module._compile(compile(fs.readFileSync(filename, 'utf8'), filename), filename);
};
