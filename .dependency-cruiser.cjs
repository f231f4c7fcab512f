/**
 * Import rules of the app (docs/decisions/0007-layout.md), checked by `npm run lint`.
 * Paths are relative to the folder cruised from; test/lint/import-rules.test.ts cruises a fixture
 * that breaks each rule once, so a rule that stops matching fails the tests.
 */
const CAPABILITIES = '(archive|relay|people|training|collaboration|rollout)';
/** Azure and Microsoft 365 SDKs (Functions has a rule of its own). */
const SDKS = ['node_modules/@azure/', 'node_modules/@microsoft/microsoft-graph-client/', 'node_modules/rhea/', 'node_modules/rhea-promise/'];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides which module owns what.',
      from: { path: '^(functions|shared|orchestrations|onprem-agent/src)/' },
      to: { circular: true },
    },
    {
      name: 'platform-knows-no-capability',
      severity: 'error',
      comment: 'shared/platform serves every capability; it must not depend on any of them.',
      from: { path: '^shared/platform/' },
      to: { path: `^shared/${CAPABILITIES}/` },
    },
    {
      name: 'capability-through-ports-or-events',
      severity: 'error',
      comment: 'A capability reaches another only through its ports.ts or events.ts.',
      from: { path: `^shared/${CAPABILITIES}/` },
      to: { path: `^shared/${CAPABILITIES}/`, pathNot: ['^shared/$1/', `^shared/${CAPABILITIES}/(ports|events)\\.ts$`] },
    },
    {
      name: 'sdk-only-in-adapters',
      severity: 'error',
      comment: 'Only adapters/ folders touch Azure SDKs or Graph; use cases receive ports.',
      from: { path: '^(shared|functions|orchestrations)/', pathNot: '^shared/[a-z-]+/adapters/' },
      to: { path: SDKS, pathNot: 'node_modules/@azure/functions/' },
    },
    {
      name: 'use-cases-through-ports',
      severity: 'error',
      comment: 'Use cases receive adapters through ports; only adapters and functions/ compose them.',
      from: { path: '^shared/', pathNot: '^shared/[a-z-]+/adapters/' },
      to: { path: '^shared/[a-z-]+/adapters/' },
    },
    {
      name: 'functions-sdk-only-in-functions',
      severity: 'error',
      comment: 'Only functions/ registers triggers; shared code never sees @azure/functions types.',
      from: { path: '^(shared|orchestrations)/' },
      to: { path: 'node_modules/@azure/functions/' },
    },
    {
      name: 'durable-only-in-orchestrations',
      severity: 'error',
      comment: 'Only orchestrations/ uses durable-functions.',
      from: { path: '^(shared|functions)/' },
      to: { path: 'node_modules/durable-functions/' },
    },
    {
      name: 'production-never-imports-dev',
      severity: 'error',
      comment: 'dev/ is the local stack; it is never deployed.',
      from: { path: '^(functions|shared|orchestrations|onprem-agent/src)/' },
      to: { path: '^(dev|test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
