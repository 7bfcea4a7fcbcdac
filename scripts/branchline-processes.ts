// What `npm start` and `npm run cluster` run alike besides the servers: the deployment's key, the
// simulated fleet, and the demo network brought up on a first start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readPasswordFile } from '../api/access/administrator.ts';
import type { Config } from '../runtime/config.ts';
import { bringUpDemo, demoMarker } from './demo.ts';
import { ManagedProcess } from './processes.ts';

/** The deployment's SECRETS_KEY when none is set: generated once, then kept under the data directory like the admin password. */
export function keptSecretsKey(path: string): string {
  const kept = readPasswordFile(path);
  if (kept) return kept;
  const key = randomBytes(32).toString('hex');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, key + '\n', { mode: 0o600 });
  return key;
}

/** The simulated fleet of SIMULATOR_DEVICES boxes, phoning home to `phoneHomeUrl`, its state kept under the data directory. */
export function simulatorProcess(config: Config, options: { phoneHomeUrl: string; controlHost?: string; vnfBaseAddress?: string; logs: string; env: NodeJS.ProcessEnv }): ManagedProcess {
  return ManagedProcess.node('simulator', 'simulator/main.ts', [
    '--json',
    '--devices', String(config.SIMULATOR_DEVICES),
    '--base-address', config.SIMULATOR_BASE_ADDRESS,
    '--models', config.SIMULATOR_MODELS,
    '--snmp-port', String(config.SIMULATOR_SNMP_PORT),
    '--netconf-port', String(config.SIMULATOR_NETCONF_PORT),
    '--control-port', String(config.SIMULATOR_CONTROL_PORT),
    '--control-host', options.controlHost ?? '127.0.0.1',
    ...(options.vnfBaseAddress ? ['--vnf-base-address', options.vnfBaseAddress] : []),
    '--state-file', join(config.dataDir, 'simulator', 'fleet.json'),
    '--phone-home-url', options.phoneHomeUrl,
    '--phone-home-interval-seconds', '5',
    // The lab's boxes take the fleet's management credentials, as an SP's staging would set them.
    '--username', config.DEVICE_USERNAME,
    '--password', config.DEVICE_PASSWORD,
    '--community', config.DEVICE_SNMP_COMMUNITY,
  ], options.logs, options.env);
}

/** Where Prometheus scrapes a process's metrics served on `port`. */
export function metricsUrl(config: Pick<Config, 'METRICS_HOST'>, port: number): string {
  const host = config.METRICS_HOST === '0.0.0.0' || config.METRICS_HOST === '::' ? 'localhost' : config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST;
  return `http://${host}:${port}/metrics`;
}

/** How to sign in as the first administrator, for the "Open:" lines. */
export function signInLine(config: Config): string {
  const generated = readPasswordFile(config.adminPasswordFile);
  return config.ADMIN_PASSWORD
    ? `${config.ADMIN_EMAIL} with ADMIN_PASSWORD`
    : generated ? `${config.ADMIN_EMAIL}, password ${generated} (kept in ${config.adminPasswordFile})` : 'an account you created';
}

/** The first start brings the demo network up (a start stopped half-way resumes it); `stopping` says whether the supervisor is going down meanwhile. */
export function bringUpDemoOnFirstStart(config: Config, options: { seeded: boolean; apiUrl: string; simulatorUrl: string; say: (line: string) => void; stopping: () => boolean }): void {
  const marker = join(config.dataDir, 'demo-pending');
  if (options.seeded && config.SIMULATOR_DEVICES > 0 && config.DEMO_NETWORK) demoMarker.set(marker);
  const password = config.ADMIN_PASSWORD ?? readPasswordFile(config.adminPasswordFile);
  if (!demoMarker.pending(marker) || !password) return;
  options.say('bringing the demo network up: its hubs, then four branches, through the real onboarding');
  bringUpDemo({ apiUrl: options.apiUrl, simulatorUrl: options.simulatorUrl, email: config.ADMIN_EMAIL, password, say: options.say })
    .catch((error: unknown) => options.say(`the demo network could not be brought up: ${(error as Error).message}`))
    .finally(() => {
      if (!options.stopping()) demoMarker.clear(marker);
    });
}
