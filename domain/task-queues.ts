import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
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

/** The same attributes as typed keys, for starts and upserts. */
export const searchAttributeKeys = {
  tenant: defineSearchAttributeKey(searchAttributes.tenant.name, SearchAttributeType.KEYWORD),
  site: defineSearchAttributeKey(searchAttributes.site.name, SearchAttributeType.KEYWORD),
  deviceSerials: defineSearchAttributeKey(searchAttributes.deviceSerials.name, SearchAttributeType.KEYWORD_LIST),
  ticket: defineSearchAttributeKey(searchAttributes.ticket.name, SearchAttributeType.KEYWORD),
};
