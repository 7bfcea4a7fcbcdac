// Generated artefacts `npm start` and `npm test` need: the Prisma client and the built UI.
// scripts/bootstrap.mjs runs this before anything imports them.
// Each is rebuilt only when its inputs changed (a hash of them is kept beside the output).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (tool: string) => join(root, 'node_modules', '.bin', tool);

/** Runs a build tool quietly; its output is shown only when it fails. */
function runQuietly(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    execFileSync(bin(tool), args, { cwd: root, stdio: 'pipe', env });
  } catch (error) {
    const output = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${tool} ${args.join(' ')} failed:\n${output.stdout?.toString() ?? ''}${output.stderr?.toString() ?? ''}`);
  }
}

function filesUnder(path: string, skip: string[]): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !skip.includes(name))
    .flatMap((name) => filesUnder(join(path, name), skip))
    .sort();
}

function hashOf(inputs: string[], skip: string[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of filesUnder(join(root, input), skip)) {
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

function rebuildWhenChanged(what: string, inputs: string[], output: string, build: () => void, say: (line: string) => void, skip: string[] = []) {
  const stamp = join(root, output, '.inputs-sha256');
  const hash = hashOf(inputs, skip);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say(`building ${what}…`);
  build();
  writeFileSync(stamp, hash);
}

export function prepare(say: (line: string) => void): void {
  rebuildWhenChanged('the database client', ['prisma/schema.prisma', 'package-lock.json'], 'generated/prisma', () => {
    // Prisma's CLI wants its native schema engine even for `generate`, which does not use it:
    // pointing it at any existing file keeps `generate` offline.
    runQuietly('prisma', ['generate'], {
      ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'package.json'), CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1',
    });
  }, say);
  // The UI shares domain/ (statuses, device models, permissions, progress) and the API's request schemas (the wizards' steps).
  rebuildWhenChanged('the UI', ['ui', 'domain', 'prisma/schema.prisma', 'api/schemas', 'package-lock.json'], 'ui/dist', () => {
    runQuietly('vite', ['build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn']);
  }, say, ['dist', 'node_modules']);
}

if (import.meta.url === `file://${process.argv[1]}`) prepare((line) => console.log(line));
