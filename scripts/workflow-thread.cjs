// Preloaded (node --require) into every thread of Branchline's Node processes: a worker thread runs
// what --require names, never what --import does. In the thread where the Temporal SDK runs the
// workflows (scripts/worker.ts marks it before the SDK starts it), this keeps the SDK from capturing
// and formatting a stack trace for every promise a workflow creates, which only the `__stack_trace`
// query reads: about a quarter of that thread's CPU. Errors, and so the logs, keep their stacks.
'use strict';
const threads = require('node:worker_threads');

if (!threads.isMainThread && threads.getEnvironmentData('branchline:workflow-promise-stacks') === 'off') {
  require('@temporalio/worker/lib/workflow/vm-shared.js').globalHandlers.setPromiseHook = () => undefined;
}
