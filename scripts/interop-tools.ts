// Third-party implementations the interoperability tests run against: Net-SNMP's command-line
// tools and agent (Debian packages snmp, snmpd), yuma123's netconfd behind OpenSSH (netconfd,
// its ietf-interfaces and ietf-system modules, openssh-server) and, from PyPI, ncclient (a standard NETCONF
// client) and the `netconf` package's server; and schemathesis, which fuzzes the API from its
// OpenAPI document. The PyPI packages are pinned, each set in a directory of its own under the
// tools directory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { missingNetconfd } from '../simulator/interop/netconfd.ts';
import { aptInstall } from './processes.ts';

const pythonPackages = ['ncclient==0.7.1', 'netconf==2.1.0', 'paramiko==3.5.1'];
const fuzzerPackages = ['schemathesis==4.32.5'];
const commands = { snmpget: '/usr/bin/snmpget', snmpwalk: '/usr/bin/snmpwalk', snmpd: '/usr/sbin/snmpd' };
/** yuma123's netconfd with the ietf-interfaces and ietf-system modules' instrumentation, behind OpenSSH's sshd. */
const netconfdPackages = ['netconfd', 'netconfd-module-ietf-interfaces', 'netconfd-module-ietf-system', 'openssh-server'];


/** Installs the packages into `tools/python-<purpose>-<packages>` unless `module` is there already; returns that directory, a PYTHONPATH. */
function pythonPackagesFor(purpose: string, packages: string[], module: string, toolsDir: string, say: (line: string) => void): string {
  const pythonPath = join(toolsDir, `python-${purpose}-${packages.join('-').replace(/[^a-z0-9.]+/gi, '-')}`);
  if (!existsSync(join(pythonPath, module))) {
    say(`installing ${packages.join(', ')} from PyPI into the tools directory, once…`);
    spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', pythonPath, ...packages], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return pythonPath;
}

/** Installs what is missing where it can; returns the PYTHONPATH holding the Python packages. */
export function ensureInteropTools(toolsDir: string, say: (line: string) => void): { pythonPath: string } {
  if (Object.values(commands).some((path) => !existsSync(path))) aptInstall(['snmp', 'snmpd'], say);
  if (missingNetconfd().length > 0) aptInstall(netconfdPackages, say);
  return { pythonPath: pythonPackagesFor('interop', pythonPackages, 'ncclient', toolsDir, say) };
}

/** Installs schemathesis when missing; returns the PYTHONPATH that runs it (`python3 -m schemathesis.cli`). */
export function ensureApiFuzzer(toolsDir: string, say: (line: string) => void): { pythonPath: string } {
  return { pythonPath: pythonPackagesFor('fuzz', fuzzerPackages, 'schemathesis', toolsDir, say) };
}
