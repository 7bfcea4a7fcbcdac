// Entry point of `npm start`, `npm test` and the other npm scripts: plain JavaScript, because it runs before the
// dependencies (TypeScript, tsx) are installed. It checks Node, installs what is missing, then
// hands over to the TypeScript script of the same name.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);

function fail(message) {
  console.error(`\nbranchline: ${message}\n`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (!(major === 20 && minor >= 19) && !(major === 22 && minor >= 12) && !(major >= 24)) {
  fail(`Node ${process.versions.node} is too old. Install Node 20.19+, 22.12+ or 24, then run npm ${command} again.`);
}

function dependenciesAreCurrent() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(installed)) return false;
  return !existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
}

if (!dependenciesAreCurrent()) {
  console.log('branchline: installing dependencies, once…');
  // `npm ci` installs exactly the committed lock and never rewrites it.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) {
    fail(`npm ci failed (see above). Check that the npm registry is reachable, or set npm's registry to your mirror; if you changed package.json, run npm install to update the lock. Then run npm ${command} again.`);
  }
}

// `start`, `cluster` and `test` are scripts/<command>.ts; `run <file.ts>` serves every other script the
// README names (the worker, the API, the benchmarks…), so each works on a fresh clone too.
const [script, scriptArgs] = command === 'run' ? [join(root, args[0] ?? ''), args.slice(1)] : [join(root, 'scripts', `${command}.ts`), args];
if (!script.endsWith('.ts') || !existsSync(script)) fail(`unknown command "${[command, ...args].join(' ')}"; expected start, cluster, test or run <file.ts>.`);

// Generated code (the Prisma client, the built UI) must exist before any TypeScript imports it.
const prepared = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'prepare.ts')], { cwd: root, stdio: 'inherit' });
if (prepared.status !== 0) fail('building the generated code failed (see above).');

// Signals are passed on and this process waits: the child shuts its own children down (its
// shutdown is idempotent, as Ctrl-C in a terminal reaches both processes).
// scripts/workflow-thread.cjs: see there (the threads a worker starts load it, not tsx).
const child = spawn(process.execPath, ['--require', join(root, 'scripts', 'workflow-thread.cjs'), '--import', 'tsx', script, ...scriptArgs], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
