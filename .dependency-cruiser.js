/**
 * Dependency rules the architecture relies on; `npm run lint:deps` (part of `npm test`) enforces them.
 *
 * The layers, from the bottom: libs/ (plain TypeScript) < config < database < common < the other
 * platform modules (crypto, queue, audit) < the feature modules. A layer imports only from below
 * it; feature modules may import each other, but never both ways (see README, Architecture).
 */

/** Platform modules: what every feature stands on, and which knows no feature. */
const PLATFORM = ['config', 'database', 'common', 'crypto', 'queue', 'audit'];
const under = (folders) => `^src/(${folders.join('|')})/`;

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
      name: 'config-imports-no-app-code',
      comment: 'The configuration is read before anything else exists: it imports nothing else of src/.',
      severity: 'error',
      from: { path: under(['config']) },
      to: { path: '^src/', pathNot: under(['config']) },
    },
    {
      name: 'database-imports-only-config',
      comment: 'Pools, migrations and the unit of work know no feature (entities are handed down by the composition root).',
      severity: 'error',
      from: { path: under(['database']) },
      to: { path: '^src/', pathNot: under(['database', 'config']) },
    },
    {
      name: 'common-imports-only-config-and-database',
      comment: 'Process-wide plumbing: no feature module, no other platform module.',
      severity: 'error',
      from: { path: under(['common']) },
      to: { path: '^src/', pathNot: under(['common', 'config', 'database']) },
    },
    {
      name: 'platform-imports-no-feature',
      comment: 'crypto, queue and audit stand on config, database and common only: every feature may use them, they use no feature.',
      severity: 'error',
      from: { path: under(['crypto', 'queue', 'audit']) },
      to: { path: '^src/', pathNot: [under(PLATFORM.filter((f) => !['crypto', 'queue', 'audit'].includes(f))), '^src/$1/'] },
    },
    {
      name: 'channel-core-imports-no-kind',
      comment: 'The channel kit (src/channels/core) is what every kind builds on; it names no kind.',
      severity: 'error',
      from: { path: '^src/channels/core/' },
      to: { path: '^src/channels/[^/]+/', pathNot: '^src/channels/core/' },
    },
    {
      name: 'channel-kind-imports-no-other-kind',
      comment: 'A channel kind is one folder: it uses the kit (src/channels/core) and nothing of another kind.',
      severity: 'error',
      from: { path: '^src/channels/([^/]+)/', pathNot: '^src/channels/(core|meta|messenger|instagram|whatsapp)/' },
      to: { path: '^src/channels/[^/]+/', pathNot: ['^src/channels/$1/', '^src/channels/core/'] },
    },
    {
      name: 'meta-kind-imports-only-meta',
      comment: 'Messenger, Instagram and WhatsApp share the Meta folder (Graph client, app-wide webhook), and nothing of each other.',
      severity: 'error',
      from: { path: '^src/channels/(messenger|instagram|whatsapp)/' },
      to: { path: '^src/channels/[^/]+/', pathNot: ['^src/channels/$1/', '^src/channels/core/', '^src/channels/meta/'] },
    },
    {
      name: 'meta-imports-no-kind',
      comment: 'What the Meta kinds share knows none of them.',
      severity: 'error',
      from: { path: '^src/channels/meta/' },
      to: { path: '^src/channels/[^/]+/', pathNot: ['^src/channels/meta/', '^src/channels/core/'] },
    },
    {
      name: 'integration-core-imports-no-target',
      comment: 'The integration core (dispatcher, outbox worker, delivery log) names no target kind; each kind lives in its own folder.',
      severity: 'error',
      from: { path: '^src/integrations/core/' },
      to: { path: '^src/integrations/', pathNot: '^src/integrations/core/' },
    },
    {
      name: 'integration-target-imports-no-other-target',
      comment: 'One folder per target kind (webhook/, crm/<vendor>/): it uses the core, and nothing of another kind.',
      severity: 'error',
      from: { path: '^src/integrations/([^/]+)/', pathNot: '^src/integrations/(core|crm)/' },
      to: { path: '^src/integrations/[^/]+/', pathNot: ['^src/integrations/$1/', '^src/integrations/core/'] },
    },
    {
      name: 'crm-vendor-imports-no-other-vendor',
      comment: 'A CRM vendor is one folder under crm/: it uses the integration core and what all CRMs share (crm/core/), nothing of another vendor.',
      severity: 'error',
      from: { path: '^src/integrations/crm/([^/]+)/', pathNot: '^src/integrations/crm/core/' },
      to: { path: '^src/integrations/[^/]+/', pathNot: ['^src/integrations/crm/$1/', '^src/integrations/crm/core/', '^src/integrations/core/'] },
    },
    {
      name: 'controllers-use-no-sql',
      comment: 'Controllers speak HTTP and call services; SQL lives in stores (*.store.ts) and services.',
      severity: 'error',
      from: { path: '\\.controller\\.ts$' },
      to: { path: ['^src/database/sql\\.ts$', 'node_modules/typeorm/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No two folders import each other (directly or round a longer loop): every dependency between folders goes one way.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
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
