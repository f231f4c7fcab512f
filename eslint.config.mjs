import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-dev/**', 'node_modules/**', 'coverage/**', '.local/**', 'onprem-agent/dist/**', 'onprem-agent/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // CommonJS app: lazy require() keeps heavy SDKs off the cold-start path.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The Teams tab front end (bundled by web/build.mjs): browser code, not Node.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Orchestrator code is replayed: it must decide the same way every time (docs/decisions/0012-rollout.md).
    // No clock, randomness, environment, timers, I/O or awaiting in orchestrations; the time is
    // context.df.currentUtcDateTime, waits are durable timers, settings and I/O come through inputs
    // and activities. Client helpers (starting runs, raising events) live in client.ts files.
    files: ['orchestrations/**/*.ts'],
    ignores: ['orchestrations/activities/**', 'orchestrations/**/client.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Orchestrators are replayed: use context.df.currentUtcDateTime, not Date.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Orchestrators are replayed: use context.df.currentUtcDateTime, not new Date().' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Orchestrators are replayed: no randomness (use context.df.newGuid).' },
        { selector: "MemberExpression[object.name='process']", message: 'Orchestrators read no settings or process state: pass them in the input.' },
        { selector: 'AwaitExpression', message: 'Orchestrators do no I/O: call an activity and yield it.' },
        { selector: "CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate|fetch)$/]", message: 'Orchestrators use durable timers and activities, never timers or fetch.' },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/adapters/**', '**/platform/settings', 'node:*', 'fs', 'crypto', 'http', 'https', '@azure/cosmos', '@azure/storage-blob', '@azure/service-bus', '@microsoft/microsoft-graph-client'], allowTypeImports: true, message: 'Orchestrators do no I/O and read no settings: do it in an activity.' },
          ],
        },
      ],
    },
  },
);
