// The workflows the worker bundles. One workflow per file; this barrel only re-exports.
export { deviceLease } from './device-lease.ts';
