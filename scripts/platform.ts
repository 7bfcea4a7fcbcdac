// The services every Branchline process needs — Temporal and PostgreSQL — brought up by
// `npm start` (persistent, under the data directory) and `npm test` (throwaway, other ports),
// or taken from TEMPORAL_ADDRESS and DATABASE_URL when those name running servers. npm test may
// ask for the production Temporal server (on that PostgreSQL) instead of the development server.
import { join } from 'node:path';
import { createPrismaClient } from '../prisma/client.ts';
import { applyMigrations } from '../prisma/migrate.ts';
import { seedDemo } from '../prisma/seed.ts';
import { startEmbeddedPostgres } from './postgres.ts';
import { assertPortFree } from './processes.ts';
import { ensureSearchAttributes } from './search-attributes.ts';
import { freeTemporalServerPorts, startTemporalOnPostgres, type TemporalServerBinaries, type TemporalServerPorts } from './temporal-cluster.ts';
import { clientConnectionOptions, type TemporalAccess } from '../runtime/temporal-access.ts';
import { resolveTemporalCli, startTemporalDevServer, temporalCliVersion } from './temporal-server.ts';

export interface PlatformOptions {
  dataDir: string;
  /** Where tools obtained on the fly (the Temporal CLI) are kept, across runs. */
  toolsDir: string;
  /** Use this PostgreSQL instead of the embedded one. */
  databaseUrl?: string;
  /** Use this Temporal server instead of the development server. */
  temporalAddress?: string;
  /** How to reach that server (TLS, a token); the development server needs neither. */
  temporalAccess?: TemporalAccess;
  temporalCliPath?: string;
  /**
   * Run this production Temporal server on the PostgreSQL instead of the development server: on
   * free ports of 127.0.0.1 unless `host` and `ports` say where.
   */
  temporalServer?: TemporalServerBinaries & { host?: string; ports?: TemporalServerPorts };
  namespace: string;
  ports: { postgres: number; temporal: number; temporalUi: number };
  /** Persistent data (npm start) or throwaway data tuned for speed (npm test). */
  durable: boolean;
  /** Server settings the embedded PostgreSQL adds (a benchmark's statement statistics). */
  postgresSettings?: string[];
  seed: boolean;
  say: (line: string) => void;
}

export interface Platform {
  databaseUrl: string;
  temporalAddress: string;
  /** The database was empty and took the demo inventory. */
  seeded: boolean;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    await Promise.allSettled(stops.reverse().map((s) => s()));
    stops.length = 0;
  };
  try {
    if (!options.databaseUrl) await assertPortFree(options.ports.postgres, 'the embedded PostgreSQL', 'EMBEDDED_POSTGRES_PORT');
    if (!options.temporalAddress) {
      await assertPortFree(options.ports.temporal, 'the Temporal server', 'TEMPORAL_PORT');
      await assertPortFree(options.ports.temporalUi, 'the Temporal Web UI', 'TEMPORAL_UI_PORT');
    }
    const logs = join(options.dataDir, 'logs');
    const postgres = options.databaseUrl
      ? Promise.resolve({ url: options.databaseUrl })
      : (async () => {
          const server = await startEmbeddedPostgres({
            dataDir: join(options.dataDir, 'postgres'),
            port: options.ports.postgres,
            database: 'branchline',
            logFile: join(logs, 'postgres.log'),
            durable: options.durable,
            ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
          }, options.say);
          stops.push(server.stop);
          return server;
        })();
    const binaries = options.temporalServer;
    const temporal = options.temporalAddress
      ? Promise.resolve({ address: options.temporalAddress })
      : binaries
        ? (async () => {
            const server = await startTemporalOnPostgres({
              binaries, databaseUrl: (await postgres).url, host: binaries.host ?? '127.0.0.1', ports: binaries.ports ?? await freeTemporalServerPorts(),
              root: join(options.dataDir, 'temporal'), logFile: join(logs, 'temporal.log'), namespace: options.namespace, say: options.say,
            });
            stops.push(server.stop);
            return server;
          })()
        : (async () => {
            const cli = resolveTemporalCli({ cliPath: options.temporalCliPath, toolsDir: options.toolsDir, say: options.say });
            options.say(`Temporal CLI: ${temporalCliVersion(cli)}`);
            const server = await startTemporalDevServer({
              cli,
              port: options.ports.temporal,
              uiPort: options.ports.temporalUi,
              namespace: options.namespace,
              dbFile: join(options.dataDir, 'temporal', 'temporal.db'),
              logFile: join(logs, 'temporal.log'),
            });
            stops.push(server.stop);
            return server;
          })();
    // Both settle before going on, so a failure of one never leaves the other running unrecorded.
    const [temporalResult, postgresResult] = await Promise.allSettled([temporal, postgres]);
    if (temporalResult.status === 'rejected') throw temporalResult.reason;
    if (postgresResult.status === 'rejected') throw postgresResult.reason;
    const { address } = temporalResult.value;
    const { url } = postgresResult.value;

    const access = (options.temporalAddress && options.temporalAccess) || { tls: false };
    await ensureSearchAttributes(clientConnectionOptions(address, access), options.namespace);
    const { applied } = await applyMigrations(url);
    if (applied.length > 0) options.say(`database migrated: ${applied.join(', ')}`);
    let seeded = false;
    if (options.seed) {
      const prisma = createPrismaClient(url, { poolSize: 2 });
      try {
        ({ seeded } = await seedDemo(prisma));
        if (seeded) options.say('empty database: demo inventory seeded');
      } finally {
        await prisma.$disconnect();
      }
    }
    return { databaseUrl: url, temporalAddress: address, seeded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
