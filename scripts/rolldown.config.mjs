// Bundles the CLI (after tsc) so start-up reads a few files instead of hundreds: `rollout --version`
// and `status` have budgets relative to `node -e 0` (DESIGN.md). Libraries that only some commands
// load, lazily, stay external.
export default {
  input: { main: 'dist/src/main.js', 'audit-verify-worker': 'dist/src/state/audit-verify-worker.js' },
  platform: 'node',
  external: [
    /^node:/,
    'prometheus-query',
    '@slack/web-api',
    'pg',
    '@openfeature/flagd-core',
    'execa',
    'fast-check',
    'simple-statistics',
    'chalk',
  ],
  output: {
    dir: 'dist/bundle',
    cleanDir: true,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  },
};
