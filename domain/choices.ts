// Statuses and choices, defined once. The values come from schema.prisma (through Prisma's
// browser-safe enums); each gets its label and badge colour here, and the type system makes
// sure no value is forgotten. The zod validators, the workflows and the UI all read these.
import {
  AlarmSeverity, AlarmState, CampaignDeviceStatus, CampaignStatus, CampaignStrategy, DeviceStatus,
  PppAuthentication, RmaStatus, RunKind, RunStatus, SiteStatus, VnfStatus, WanAddressing, WanLinkType,
} from '../generated/prisma/enums.ts';

export type Colour = 'grey' | 'blue' | 'green' | 'amber' | 'red' | 'purple';
export interface Choice<V extends string> { value: V; label: string; colour: Colour }

function defineChoices<V extends string>(values: Record<string, V>, details: Record<V, [label: string, colour: Colour]>) {
  const list = Object.values(values).map((value) => ({ value, label: details[value][0], colour: details[value][1] }));
  return {
    /** In schema order, as z.enum wants them. */
    values: list.map((choice) => choice.value) as [V, ...V[]],
    list: list as Choice<V>[],
    get: (value: V): Choice<V> => list.find((choice) => choice.value === value)!,
  };
}

export const siteStatus = defineChoices(SiteStatus, {
  planned: ['Planned', 'grey'],
  onboarding: ['Onboarding', 'blue'],
  active: ['Active', 'green'],
  failed: ['Failed', 'red'],
  decommissioning: ['Decommissioning', 'amber'],
  decommissioned: ['Decommissioned', 'grey'],
});

export const deviceStatus = defineChoices(DeviceStatus, {
  planned: ['Planned', 'grey'],
  provisioning: ['Provisioning', 'blue'],
  online: ['Online', 'green'],
  offline: ['Offline', 'red'],
  upgrading: ['Upgrading', 'blue'],
  rma: ['In RMA', 'amber'],
  retired: ['Retired', 'grey'],
});

export const wanLinkType = defineChoices(WanLinkType, {
  mpls: ['MPLS', 'purple'],
  broadband: ['Broadband', 'blue'],
  lte: ['LTE', 'amber'],
  satellite: ['Satellite', 'grey'],
  dsl: ['DSL', 'green'],
});

export const wanAddressing = defineChoices(WanAddressing, {
  dhcp: ['DHCP from the provider', 'blue'],
  static: ['Static address', 'purple'],
  pppoe: ['PPPoE', 'green'],
});

export const pppAuthentication = defineChoices(PppAuthentication, {
  chap: ['CHAP', 'green'],
  pap: ['PAP', 'amber'],
});

export const runKind = defineChoices(RunKind, {
  site_onboarding: ['Site onboarding', 'blue'],
  ztp: ['Zero-touch provisioning', 'blue'],
  decommission: ['Decommission', 'grey'],
  upgrade_campaign: ['Upgrade campaign', 'purple'],
  device_upgrade: ['Device upgrade', 'purple'],
  rma: ['Device replacement (RMA)', 'amber'],
  vnf_lifecycle: ['VNF lifecycle', 'green'],
  sla_steering: ['SLA steering', 'green'],
  policy_deployment: ['Policy deployment', 'blue'],
});

export const runStatus = defineChoices(RunStatus, {
  running: ['Running', 'blue'],
  completed: ['Completed', 'green'],
  failed: ['Failed', 'red'],
  cancelled: ['Cancelled', 'grey'],
  terminated: ['Terminated', 'grey'],
  timed_out: ['Timed out', 'red'],
});

export const campaignStrategy = defineChoices(CampaignStrategy, {
  canary: ['Canary phases', 'blue'],
  serial: ['One at a time', 'grey'],
  all_at_once: ['All at once', 'amber'],
});

export const campaignStatus = defineChoices(CampaignStatus, {
  scheduled: ['Scheduled', 'grey'],
  running: ['Running', 'blue'],
  paused: ['Paused', 'amber'],
  completed: ['Completed', 'green'],
  halted: ['Halted: failure budget exceeded', 'red'],
  aborted: ['Aborted', 'grey'],
});

export const campaignDeviceStatus = defineChoices(CampaignDeviceStatus, {
  pending: ['Pending', 'grey'],
  waiting_window: ['Waiting for its window', 'amber'],
  upgrading: ['Upgrading', 'blue'],
  upgraded: ['Upgraded', 'green'],
  failed: ['Failed', 'red'],
  rolled_back: ['Rolled back', 'amber'],
  skipped: ['Skipped', 'grey'],
});

export const alarmSeverity = defineChoices(AlarmSeverity, {
  critical: ['Critical', 'red'],
  major: ['Major', 'red'],
  minor: ['Minor', 'amber'],
  warning: ['Warning', 'amber'],
  info: ['Info', 'blue'],
});

export const alarmState = defineChoices(AlarmState, {
  active: ['Active', 'red'],
  acknowledged: ['Acknowledged', 'amber'],
  cleared: ['Cleared', 'green'],
});

export const vnfStatus = defineChoices(VnfStatus, {
  instantiating: ['Instantiating', 'blue'],
  running: ['Running', 'green'],
  degraded: ['Degraded', 'amber'],
  healing: ['Healing', 'amber'],
  scaling: ['Scaling', 'blue'],
  terminating: ['Terminating', 'grey'],
  terminated: ['Terminated', 'grey'],
  failed: ['Failed', 'red'],
});

export const rmaStatus = defineChoices(RmaStatus, {
  initiated: ['Initiated', 'blue'],
  granted: ['Replacement granted', 'blue'],
  provisioning: ['Provisioning the new box', 'blue'],
  closed: ['Closed', 'green'],
  failed: ['Failed', 'red'],
  aborted: ['Aborted', 'grey'],
});
