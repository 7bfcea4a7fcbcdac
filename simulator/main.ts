// `npm run simulator -- --devices N [--json]`: a fleet of simulated branch routers in one process.
// With --json: one line per device, then {"ready":true,"control":"http://127.0.0.1:PORT"}.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { defaultCredentials, Fleet } from './fleet.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    'base-address': { type: 'string', default: '127.16.0.1' },
    'snmp-port': { type: 'string', default: '161' },
    'netconf-port': { type: 'string', default: '830' },
    'control-port': { type: 'string', default: '0' },
    'control-host': { type: 'string', default: '127.0.0.1' },
    models: { type: 'string', default: 'SRX-SIM-300,SRX-SIM-100' },
    'first-serial': { type: 'string', default: '1' },
    'state-file': { type: 'string' },
    'phone-home-url': { type: 'string' },
    // Tunnels to addresses none of these boxes holds (another simulator process's) are up.
    'outside-peers-up': { type: 'boolean', default: false },
    'phone-home-interval-seconds': { type: 'string', default: '10' },
    'call-home': { type: 'string' },
    'trap-receiver': { type: 'string' },
    'reboot-seconds': { type: 'string', default: '5' },
    'vnf-base-address': { type: 'string', default: '127.18.0.1' },
    'vnf-boot-seconds': { type: 'string', default: '3' },
    username: { type: 'string' },
    password: { type: 'string' },
    community: { type: 'string' },
  },
});

function number(name: keyof typeof values, min: number, max: number): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}

function hostPort(name: 'call-home' | 'trap-receiver', what: string): { host: string; port: number } | undefined {
  const value = values[name];
  if (!value) return undefined;
  const match = /^([^:]+):(\d+)$/.exec(value);
  if (!match) {
    console.error(`--${name} must be host:port (${what})`);
    process.exit(2);
  }
  return { host: match[1]!, port: Number(match[2]) };
}
const callHome = hostPort('call-home', "the orchestrator's NETCONF call-home listener");
const trapReceiver = hostPort('trap-receiver', 'where SNMP traps go');

/** Any of --username, --password, --community: every device answers to them (the others default). */
function credentials() {
  const { username, password, community } = values;
  if (username === undefined && password === undefined && community === undefined) return undefined;
  for (const [name, value] of Object.entries({ username, password, community })) {
    if (value === '') {
      console.error(`--${name} must not be empty`);
      process.exit(2);
    }
  }
  return {
    username: username ?? defaultCredentials.username,
    password: password ?? randomBytes(9).toString('base64url'),
    community: community ?? defaultCredentials.community,
  };
}

try {
  const fleet = await Fleet.start({
    devices: number('devices', 1, 100_000),
    baseAddress: values['base-address']!,
    snmpPort: number('snmp-port', 1, 65535),
    netconfPort: number('netconf-port', 1, 65535),
    controlPort: number('control-port', 0, 65535),
    controlHost: values['control-host']!,
    models: values.models!.split(','),
    firstSerial: number('first-serial', 1, 9_000_000),
    stateFile: values['state-file'],
    phoneHomeUrl: values['phone-home-url'],
    outsidePeersUp: values['outside-peers-up'],
    phoneHomeIntervalMs: number('phone-home-interval-seconds', 1, 3600) * 1000,
    callHome: callHome && { ...callHome, retryMs: 2000 },
    trapReceiver,
    rebootMs: number('reboot-seconds', 0, 3600) * 1000,
    vnfGuests: { baseAddress: values['vnf-base-address']!, bootMs: number('vnf-boot-seconds', 0, 3600) * 1000 },
    credentials: credentials(),
  });
  const lines: string[] = [];
  for (const device of fleet.devices.values()) {
    const { identity } = device;
    if (values.json) {
      lines.push(JSON.stringify({
        serial: identity.serial, model: identity.model, address: identity.address, snmpPort: identity.snmpPort,
        netconfPort: identity.netconfPort, community: identity.community, username: identity.username, password: identity.password,
        snmpV3: identity.snmpV3, hostKeySha256: device.hostKeySha256, softwareVersion: device.softwareVersion(),
      }));
    }
  }
  if (values.json) {
    process.stdout.write(lines.join('\n') + '\n');
    console.log(JSON.stringify({ ready: true, control: fleet.controlUrl }));
  } else {
    console.log(`simulator: ${fleet.devices.size} devices from ${values['base-address']} (SNMP ${values['snmp-port']}/udp, NETCONF ${values['netconf-port']}/tcp); control API ${fleet.controlUrl}`);
  }
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void fleet.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'EACCES' ? ' Ports below 1024 need root: pass --snmp-port and --netconf-port above 1024.'
    : code === 'EMFILE' ? ' Too many open files: raise the limit (ulimit -n) or simulate fewer devices.'
    : code === 'EADDRINUSE' ? ' Another process (another simulator?) uses these addresses and ports.' : '';
  console.error(`simulator: ${(error as Error).message}.${hint}`);
  process.exit(1);
}
