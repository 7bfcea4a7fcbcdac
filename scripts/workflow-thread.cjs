// Preloaded (node --require) into every thread of Branchline's Node processes: a worker thread runs
// what --require names, never what --import does. In the thread where the Temporal SDK runs the
// workflows, the worker marks it before starting it, this stops the SDK capturing and formatting a
// stack trace for every promise a workflow creates (its promise hook, kept for the `__stack_trace`
// query only): about a quarter of that thread's CPU. Logged errors keep their stacks.
'use strict';
const threads = require('node:worker_threads');

if (!threads.isMainThread && threads.getEnvironmentData('branchline:workflow-promise-stacks') === 'off') {
  require('@temporalio/worker/lib/workflow/vm-shared.js').globalHandlers.setPromiseHook = () => undefined;
}
