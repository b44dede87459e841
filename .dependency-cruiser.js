/** Dependency rules the architecture relies on; `npm run lint:deps` (part of `npm test`) enforces them. */
module.exports = {
  forbidden: [
    {
      name: 'libs-stay-framework-free',
      comment: 'Domain, policy and crypto code is plain TypeScript: no Nest, no TypeORM, no app code.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: ['node_modules/@nestjs', 'node_modules/typeorm', 'node_modules/pg/', '^src/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'app-does-not-import-tests',
      severity: 'error',
      from: { path: '^(src|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.spec\\.ts$' },
  },
};
