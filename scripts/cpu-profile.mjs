// Profiles the CPU of a process a benchmark starts, through its environment (NODE_OPTIONS=--import,
// where --cpu-prof is not allowed), from its start to its exit, into CPU_PROFILE_DIR as
// node --cpu-prof would: CPU.<pid>.cpuprofile, for Chrome's DevTools or any profile viewer.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.env.CPU_PROFILE_DIR;
if (directory) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // The session answers in the same thread, at once: the profile is written before the process ends.
  process.on('exit', () => session.post('Profiler.stop', (error, answer) => {
    if (error) return;
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, `CPU.${process.pid}.cpuprofile`), JSON.stringify(answer.profile));
  }));
}
