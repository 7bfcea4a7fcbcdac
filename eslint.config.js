// Lint: TypeScript's recommended rules, promises that nobody awaits, and the layering of the tree
// (README, "Layers"): who may import whom, said once per folder with what to do instead.
// scripts/lint-layers.test.ts proves each rule both ways.
import { builtinModules } from 'node:module';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regex for imports of top-level folders, from any depth (`./x/…` from the root, `../x/…`,
 * `../../x/…`); `except` is a lookahead on the rest of the path. No folder below the top level
 * shares a name with one at the top.
 */
const folders = (names, except = '') => `^\\.{1,2}/(?:\\.\\./)*(?:${names.join('|')})(?:/${except}|$)`;
const notMessages = '(?![^/]+\\.messages\\.ts$)';
const notEnums = '(?!prisma/enums\\.ts$)';
/** A regex for bare package names other than those given and Node's built-ins (refused with their own message). */
const packagesExcept = (allowed) => `^(?!\\.|(?:${[...allowed.map((name) => `${escape(name)}(?:/|$)`), ...nodeBuiltins.map((name) => `${escape(name)}$`)].join('|')}))`;

const messages = {
  scripts: 'scripts/ is bootstrap and process supervision for npm start and npm test: only scripts/, tests, bench/ and e2e/ import it. Move what the product needs into runtime/ (or domain/ if it is pure).',
  simulator: 'The simulator stands in for real boxes in the lab: product code reaches devices through activities/devices/ and never imports it.',
  workflowRuntime: 'Start, signal and query workflows by name: import the workflow\'s messages and id from its *.messages.ts, and the workflow function as a type only (import type, for start<typeof fn>(\'fn\', …)).',
};

/** One folder's import rules, for its code but not its tests (tests are clients and may import anything). */
function layer(files, { paths = [], patterns = [], scripts = true }) {
  if (scripts) patterns = [...patterns, { regex: folders(['scripts']), message: messages.scripts }];
  return {
    files,
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
  };
}

const builtinsRefused = (message) => nodeBuiltins.map((name) => ({ name, message }));

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', 'dist/', 'ui/', '.data/', 'test-results/', 'playwright-report/'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs', 'scripts/*.cjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // A CommonJS preload (node --require) has only require().
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },

  // domain/: pure and deterministic, shared by every layer and the UI.
  layer(['domain/**/*.ts'], {
    paths: builtinsRefused('domain/ is pure and runs anywhere, the workflow sandbox and the browser included: take what needs Node as an argument, or put it in runtime/ or inventory/.'),
    patterns: [
      { regex: folders(['runtime', 'inventory', 'workflows', 'activities', 'api', 'prisma', 'simulator', 'bench', 'e2e', 'ui']), message: 'domain/ imports only domain/: every layer imports it, never the other way round. Move the piece both need into domain/.' },
      { regex: folders(['generated'], notEnums), message: 'domain/ may import Prisma\'s browser-safe enums (generated/prisma/enums.ts) only, never the client: reading and writing belongs in inventory/.' },
      { regex: packagesExcept(['zod', '@temporalio/common']), message: 'domain/ depends on zod and @temporalio/common only, so workflows and the UI can share it: keep other packages in the layer that needs them.' },
    ],
  }),

  // runtime/: what every process stands on (configuration, logger, Temporal access, webhook signing).
  layer(['runtime/**/*.ts'], {
    patterns: [
      { regex: folders(['inventory', 'workflows', 'activities', 'api', 'prisma', 'simulator', 'bench', 'e2e', 'ui']), message: 'runtime/ imports domain/ and itself only, since every process stands on it: take what it needs as an argument, or move the code to the layer that owns it.' },
      { regex: folders(['generated'], notEnums), message: 'runtime/ never touches the database: reading and writing belongs in inventory/.' },
    ],
  }),

  // inventory/: the inventory and intent, read and written with Prisma; the firmware image store.
  layer(['inventory/**/*.ts'], {
    patterns: [
      { regex: folders(['activities', 'api', 'simulator', 'bench', 'e2e', 'ui']), message: 'inventory/ imports domain/, prisma/, runtime/ and itself: activities/ and api/ call it, never the other way round. Move the piece both need into inventory/ or domain/.' },
      { regex: folders(['workflows']), message: 'inventory/ runs no workflow code: import a workflow\'s types only (import type), or move what you need into domain/.', allowTypeImports: true },
    ],
  }),

  // workflows/: deterministic, replayed from history, in the workflow sandbox.
  layer(['workflows/**/*.ts'], {
    paths: [
      ...builtinsRefused('Workflows run in a deterministic sandbox: do I/O in an activity.'),
      { name: '@temporalio/workflow', importNames: ['patched'], message: 'Import patched from workflows/patches.ts: it takes the patches of its batch without a marker each (and a patch outside the batch as the SDK does).' },
    ],
    patterns: [
      { regex: folders(['activities']), message: 'Workflows import activity types only (import type), and call activities through proxyActivities<ReturnType<typeof createActivities>>.', allowTypeImports: true },
      { regex: folders(['inventory', 'runtime', 'api', 'prisma', 'simulator', 'bench', 'e2e', 'ui']), message: 'Workflows run in a deterministic sandbox: reach the database, configuration and network through an activity, and share pure code through domain/.' },
      { regex: folders(['generated'], notEnums), message: 'Workflows never touch the database: read and write it in an activity, and pass plain objects, not Prisma rows.' },
      { regex: '^@temporalio/(?!workflow(?:/|$)|common(?:/|$))', message: 'Workflows use @temporalio/workflow and @temporalio/common: the client, worker and activity SDKs belong to api/, the worker and activities/.', allowTypeImports: true },
      { regex: packagesExcept(['zod', '@temporalio']), message: 'Workflows import @temporalio/workflow, @temporalio/common, zod and domain/ only: a package that does I/O, keeps time or draws random numbers belongs in an activity.', allowTypeImports: true },
    ],
  }),

  // activities/: all side effects; started by workflows, never by the API.
  layer(['activities/**/*.ts'], {
    patterns: [
      { regex: folders(['workflows'], notMessages), message: messages.workflowRuntime, allowTypeImports: true },
      { regex: folders(['api', 'bench', 'e2e', 'ui']), message: 'activities/ are run by the worker for workflows, and the API calls them never and is called by them never: put what both need in inventory/ or domain/.' },
      { regex: folders(['simulator']), message: messages.simulator },
    ],
  }),

  // api/: the Express app; it starts, signals, updates and queries workflows and reads the inventory.
  layer(['api/**/*.ts'], {
    patterns: [
      // Types too: what the API shows of a run is the workflow's progress and result (its
      // *.messages.ts) or the inventory's rows, never what an activity returned to a workflow.
      { regex: folders(['activities']), message: 'api/ never imports activities/: start a workflow to do the work (its *.messages.ts has the messages and id), and read or write the inventory through inventory/.' },
      { regex: folders(['workflows'], notMessages), message: messages.workflowRuntime, allowTypeImports: true },
      { regex: folders(['bench', 'e2e', 'ui']), message: 'api/ is product code: bench/, e2e/ and ui/ use it, never the other way round.' },
      { regex: folders(['simulator']), message: messages.simulator },
    ],
  }),

  // The rest of the product (and the root's configuration files) only keeps off scripts/.
  layer(['prisma/**/*.ts', 'simulator/**/*.ts', '*.ts'], { scripts: true }),
  { files: ['playwright.config.ts'], rules: { '@typescript-eslint/no-restricted-imports': 'off' } },
);
