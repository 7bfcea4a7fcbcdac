/** Work that scales differently runs on different queues (DESIGN §4). */
export const taskQueues = {
  /** Workflows and database activities. */
  orchestration: 'branchline-orchestration',
  /** Activities that talk to devices, with bounded concurrency per worker. */
  devices: 'branchline-devices',
  /** Long-running telemetry pollers. */
  telemetry: 'branchline-telemetry',
} as const;

/** Search attributes every run carries, so the API and the Temporal Web UI can filter by them. */
export const searchAttributes = {
  tenant: { name: 'BranchlineTenant', type: 'Keyword' },
  site: { name: 'BranchlineSite', type: 'Keyword' },
  deviceSerials: { name: 'BranchlineDeviceSerials', type: 'KeywordList' },
  ticket: { name: 'BranchlineTicket', type: 'Keyword' },
} as const;
