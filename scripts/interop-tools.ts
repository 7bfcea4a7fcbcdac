// Third-party implementations the interoperability tests run against: Net-SNMP's command-line
// tools and agent (Debian packages snmp, snmpd) and, from PyPI, ncclient (a standard NETCONF
// client) and the `netconf` package's server, at pinned versions under the tools directory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './processes.ts';

const pythonPackages = ['ncclient==0.7.1', 'netconf==2.1.0', 'paramiko==3.5.1'];
const commands = { snmpget: '/usr/bin/snmpget', snmpwalk: '/usr/bin/snmpwalk', snmpd: '/usr/sbin/snmpd' };

/** Installs what is missing where it can; returns the PYTHONPATH holding the Python packages. */
export function ensureInteropTools(toolsDir: string, say: (line: string) => void): { pythonPath: string } {
  if (Object.values(commands).some((path) => !existsSync(path))) aptInstall(['snmp', 'snmpd'], say);
  const pythonPath = join(toolsDir, `python-interop-${pythonPackages.join('-').replace(/[^a-z0-9.]+/gi, '-')}`);
  if (!existsSync(join(pythonPath, 'ncclient'))) {
    say(`installing ${pythonPackages.join(', ')} from PyPI into the tools directory, once…`);
    spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', pythonPath, ...pythonPackages], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return { pythonPath };
}
