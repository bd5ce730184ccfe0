// Bundles the CLI (after tsc) so start-up reads a few files instead of hundreds: `rollout --version`
// and `status` have budgets relative to `node -e 0` (DESIGN.md). Libraries that only some commands
// load, lazily, stay external.

/**
 * commander loads `node:child_process` (and with it net, dgram, …) when it loads, for executable
 * subcommands, which rollout does not have: about a tenth of `node -e 0` on every start. Its one use,
 * `childProcess.spawn`, now loads the module when called. The build fails if commander's source changes.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  transform(code, id) {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    const eager = "const childProcess = require('node:child_process');";
    if (
      !code.includes(eager) ||
      code.split('childProcess.').length - 1 !== code.split('childProcess.spawn(').length - 1
    )
      throw new Error(
        `${id}: commander no longer loads child_process as expected; revisit the lazy-child-process-in-commander plugin`,
      );
    // Same lines, same places: `map: null` keeps the source map as it is.
    return {
      code: code.replace(
        eager,
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      ),
      map: null,
    };
  },
};

export default {
  input: { main: 'dist/src/main.js', 'audit-verify-worker': 'dist/src/state/audit-verify-worker.js' },
  platform: 'node',
  plugins: [lazyChildProcessInCommander],
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
    // loaded only to report a problem in a plan, or for a plan outside the plain subset (src/config/yaml-lib.ts)
    'yaml',
  ],
  output: {
    dir: 'dist/bundle',
    cleanDir: true,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    codeSplitting: {
      groups: [
        {
          // What every command loads before it runs (commander, the CLI, output and error helpers) in one
          // chunk instead of ten small ones. The audit-verify worker's own modules stay out of it.
          name: 'cli',
          tags: ['$initial'],
          test: (id) => !/[\\/]state[\\/]|audit-verify/.test(id),
        },
      ],
    },
    sourcemap: true,
  },
};
