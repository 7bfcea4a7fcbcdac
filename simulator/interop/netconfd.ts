// Debian's yuma123 `netconfd` behind OpenSSH's sshd, on loopback, for the interoperability tests:
// a real RFC 6241 server Branchline did not write. sshd runs the `netconf` subsystem
// (netconf-subsystem), which hands the session to netconfd over a UNIX socket. Everything lives
// in a temporary directory and goes with stop(); nothing listens beyond 127.0.0.1.
//
// netconfd is started with the candidate datastore as edit target (:candidate,
// :confirmed-commit:1.1, :validate:1.1 and rollback-on-error then come with it), and with the
// ietf-interfaces and ietf-system modules, which it does not load by default (their
// instrumentation comes from netconfd-module-ietf-interfaces and netconfd-module-ietf-system).
// That instrumentation runs commands on the host (ifconfig on a committed interface, hostname
// when /system/hostname is set, reboot for system-restart, get-interface-ipv4 for state): a
// directory of harmless stand-ins comes first on netconfd's PATH, so a test never touches the
// machine it runs on.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const netconfdCommands = {
  netconfd: '/usr/sbin/netconfd',
  subsystem: '/usr/sbin/netconf-subsystem',
  sshd: '/usr/sbin/sshd',
  sshKeygen: '/usr/bin/ssh-keygen',
} as const;

/** The host commands yuma123's instrumentation runs, replaced by ones that do nothing. */
const standIns = ['ifconfig', 'hostname', 'hwclock', 'reboot', 'shutdown', 'get-interface-ipv4'];

/** The instrumentation (SIL) libraries of the modules the tests load, wherever the architecture puts them. */
const instrumentation = ['libietf-interfaces.so', 'libietf-system.so'];

/** What is missing to run netconfd here ([] when nothing is). */
export function missingNetconfd(): string[] {
  const yumaDirs = ['/usr/lib', ...(existsSync('/usr/lib') ? readdirSync('/usr/lib').map((name) => join('/usr/lib', name)) : [])].map((dir) => join(dir, 'yuma'));
  return [
    ...Object.values(netconfdCommands).filter((path) => !existsSync(path)),
    ...instrumentation.filter((library) => !yumaDirs.some((dir) => existsSync(join(dir, library)))),
  ];
}

export interface RunningNetconfd {
  host: string;
  port: number;
  username: string;
  /** The client's private key (OpenSSH text), authorised with sshd. */
  privateKey: string;
  /** Everything netconfd wrote so far (its log at level info: sessions, edit transactions). */
  log(): string;
  /** The edit transactions netconfd applied to the running datastore (commits, confirms, reverts). */
  runningTransactions(): number;
  stop(): Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `nmda`: the NMDA datastores (RFC 8342), with the 2018 revisions of ietf-interfaces and ietf-ip
 * whose state is in the operational datastore (netconfd --with-nmda).
 */
export async function startNetconfd(options: { port: number; modules?: string[]; nmda?: boolean }): Promise<RunningNetconfd> {
  const dir = mkdtempSync(join(tmpdir(), 'netconfd-'));
  chmodSync(dir, 0o755);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const command of standIns) writeFileSync(join(bin, command), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  execFileSync(netconfdCommands.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host-key')]);
  execFileSync(netconfdCommands.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client-key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client-key.pub')), { mode: 0o600 });

  const username = userInfo().username;
  const socket = join(dir, 'ncxserver.sock');
  writeFileSync(join(dir, 'sshd_config'), [
    'ListenAddress 127.0.0.1',
    `Port ${options.port}`,
    `HostKey ${join(dir, 'host-key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers ${username}`,
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'LogLevel ERROR',
    // netconf-subsystem finds netconfd's socket by the port the client came in on.
    `Subsystem netconf "${netconfdCommands.subsystem} --ncxserver-sockname=${options.port}@${socket}"`,
  ].join('\n') + '\n');
  // sshd running as root wants its privilege-separation directory, which its service unit would make.
  if (userInfo().uid === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const logFile = join(dir, 'netconfd.log');
  const log = createWriteStream(logFile);
  const children: ChildProcess[] = [];
  const spawnLogged = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    // A group of its own, so stop() ends the sessions it forked too.
    // In the temporary directory: netconfd writes its backup-cfg.xml where it runs.
    const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    children.push(child);
    return child;
  };
  spawnLogged(netconfdCommands.netconfd, [
    `--ncxserver-sockname=${socket}`,
    `--port=${options.port}`,
    `--home=${dir}`,
    '--no-startup',
    `--superuser=${username}`,
    '--target=candidate',
    '--with-validate=true',
    '--log-level=info',
    ...(options.nmda ? ['--with-nmda=true', '--modpath=/usr/share/yuma/nmda-modules:/usr/share/yuma/modules'] : []),
    ...(options.modules ?? ['ietf-interfaces', 'ietf-system']).map((module) => `--module=${module}`),
  ], { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` });
  const sshd = spawnLogged(netconfdCommands.sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')]);

  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(children.map((child) => (child.exitCode !== null || child.signalCode !== null
      ? undefined
      : new Promise((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      }))));
    log.end();
    rmSync(dir, { recursive: true, force: true });
  };

  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const deadline = Date.now() + 20_000;
  while (!(existsSync(socket) && await listening(options.port))) {
    if (Date.now() > deadline || children.some((child) => child.exitCode !== null) || sshd.exitCode !== null) {
      const tail = readLog().split('\n').filter((line) => !line.includes('get-interface-ipv4')).slice(-20).join('\n');
      await stop();
      throw new Error(`netconfd and sshd did not start on port ${options.port}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    host: '127.0.0.1',
    port: options.port,
    username,
    privateKey: readFileSync(join(dir, 'client-key'), 'utf8'),
    log: readLog,
    runningTransactions: () => (readLog().match(/on target 'running'/g) ?? []).length,
    stop,
  };
}
