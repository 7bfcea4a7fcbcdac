// Statuses and choices, defined once. The values come from schema.prisma (through Prisma's
// browser-safe enums); each gets its label and badge colour here, and the type system makes
// sure no value is forgotten. The zod validators, the workflows and the UI all read these.
import {
  AlarmSeverity, AlarmState, CampaignDeviceStatus, CampaignStatus, CampaignStrategy, ConfigSource, DeviceStatus, DriftState,
  PppAuthentication, RmaStatus, RunKind, RunStatus, SiteStatus, VnfStatus, NetworkServiceStatus, WanAddressing, WanLinkType,
} from '../generated/prisma/enums.ts';

export type Colour = 'grey' | 'blue' | 'green' | 'amber' | 'red' | 'purple';
export interface Choice<V extends string> { value: V; label: string; colour: Colour }

/**
 * Some of a choice's values, named for what they allow ("a site that can be onboarded"): the rule
 * said once, for the API's refusals, the workflows' checks, the database's filters and the UI.
 */
export interface StatusSet<V extends string> {
  /** In schema order: for z.enum, and for Prisma's `in` (spread it, Prisma wants an array of its own). */
  readonly values: readonly [V, ...V[]];
  readonly list: readonly Choice<V>[];
  /** Whether a status read as text (a row, a run's plan) is one of these. */
  has(value: string): value is V;
}

function defineChoices<V extends string>(values: Record<string, V> | readonly V[], details: Record<V, [label: string, colour: Colour]>) {
  const list = Object.values(values).map((value) => ({ value, label: details[value][0], colour: details[value][1] }));
  const get = (value: V): Choice<V> => list.find((choice) => choice.value === value)!;
  return {
    /** In schema order, as z.enum wants them. */
    values: list.map((choice) => choice.value) as [V, ...V[]],
    list: list as Choice<V>[],
    get,
    /** A named set of these values; kept in schema order whatever order they are given in. */
    subset<S extends V>(members: readonly [S, ...S[]]): StatusSet<S> {
      const chosen = list.filter((choice): choice is Choice<S> => (members as readonly string[]).includes(choice.value));
      const inSet: readonly string[] = chosen.map((choice) => choice.value);
      return Object.freeze({
        values: Object.freeze(chosen.map((choice) => choice.value)) as unknown as readonly [S, ...S[]],
        list: Object.freeze(chosen),
        has: (value: string): value is S => inSet.includes(value),
      });
    },
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

/** A new onboarding starts only from these: the API refuses any other (ITSM requests too). */
export const onboardableSiteStatuses = siteStatus.subset(['planned', 'failed']);

/**
 * What an onboarding run accepts when it validates the site (its first step, on every attempt): the
 * statuses a new onboarding starts from, and `onboarding`. Only a run marks a site onboarding, so a
 * run that finds it so finds its own mark: it was reset to an earlier point (as a run stuck on a bug
 * is recovered) after marking the site. A new start from `onboarding` is refused instead: while a run
 * holds the site the API answers that run, and with none, a run ended without settling the site
 * (terminated, say), and a repeated request is no reason to start a second run over what it left.
 * Tested on both sides: api/app.integration.test.ts, workflows/onboard-site.workflow.test.ts.
 */
export const onboardingRunSiteStatuses = siteStatus.subset([...onboardableSiteStatuses.values, 'onboarding']);

/** A site in service, or one that failed, is decommissioned; a decommissioning that failed is run again. */
export const decommissionableSiteStatuses = siteStatus.subset(['active', 'failed', 'decommissioning']);

export const deviceStatus = defineChoices(DeviceStatus, {
  planned: ['Planned', 'grey'],
  provisioning: ['Provisioning', 'blue'],
  online: ['Online', 'green'],
  offline: ['Offline', 'red'],
  upgrading: ['Upgrading', 'blue'],
  rma: ['In RMA', 'amber'],
  retired: ['Retired', 'grey'],
});

/** A device in service, or one whose earlier replacement failed, can be replaced (RMA). */
export const replaceableDeviceStatuses = deviceStatus.subset(['online', 'offline', 'upgrading', 'rma']);

/**
 * A campaign upgrades the devices in service that no other run holds: an offline one is tried
 * again until it answers or the campaign's deadline passes.
 */
export const upgradableDeviceStatuses = deviceStatus.subset(['online', 'offline']);

/**
 * A device in service answers for its configuration: drift reconciliation reads it, and its
 * configuration can be rolled back, re-applied or adopted. Any other is refused, changing nothing.
 */
export const reconciledDeviceStatuses = deviceStatus.subset(['online']);

/**
 * The devices drift reconciliation reads each round to tell whether they answer: those in service,
 * and those gone offline (to notice them back). Only an online one is compared for drift.
 */
export const reachabilityDeviceStatuses = deviceStatus.subset(['online', 'offline']);

export const driftState = defineChoices(DriftState, {
  in_sync: ['In sync', 'green'],
  drifted: ['Drifted', 'amber'],
});

/** Devices that wait for a box to phone home: planned ones, and those in RMA awaiting their replacement. */
export const awaitingBoxDeviceStatuses = deviceStatus.subset(['planned', 'rma']);

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
  credential_rotation: ['Credential rotation', 'grey'],
  vnf_lifecycle: ['VNF lifecycle', 'green'],
  network_service: ['Network service', 'green'],
  network_service_campaign: ['Network-service campaign', 'purple'],
  sla_steering: ['SLA steering', 'green'],
  policy_deployment: ['Policy deployment', 'blue'],
  config_rollback: ['Configuration rollback', 'amber'],
  config_adoption: ['Configuration adopted', 'grey'],
});

/** What made a configuration version: the run's kind, or the operator's own change adopted. */
export const configSource = defineChoices(ConfigSource, {
  onboarding: ['Onboarding', 'blue'],
  ztp: ['Zero-touch provisioning', 'blue'],
  policy: ['Policy', 'blue'],
  upgrade: ['Upgrade', 'purple'],
  rma: ['Device replacement', 'amber'],
  rollback: ['Rollback', 'amber'],
  decommission: ['Decommission', 'grey'],
  manual: ['Changed on the device', 'amber'],
  credentials: ['Credential rotation', 'grey'],
  vnf: ['VNF lifecycle', 'green'],
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

/** A campaign's devices not started yet: those it skips when it is aborted or halts, and those a phase still has to take. */
export const notStartedCampaignDeviceStatuses = campaignDeviceStatus.subset(['pending', 'waiting_window']);

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
  changing_package: ['Changing package', 'blue'],
  terminating: ['Terminating', 'grey'],
  terminated: ['Terminated', 'grey'],
  failed: ['Failed', 'red'],
});

export const networkServiceStatus = defineChoices(NetworkServiceStatus, {
  instantiating: ['Instantiating', 'blue'],
  active: ['Active', 'green'],
  failed: ['Failed', 'red'],
  terminating: ['Terminating', 'grey'],
  terminated: ['Terminated', 'grey'],
});

export const rmaStatus = defineChoices(RmaStatus, {
  initiated: ['Initiated', 'blue'],
  granted: ['Replacement granted', 'blue'],
  provisioning: ['Provisioning the new box', 'blue'],
  closed: ['Closed', 'green'],
  failed: ['Failed', 'red'],
  aborted: ['Aborted', 'grey'],
});

/** A step of a run (the progress query's `steps`); no table stores it, so its values are listed here. */
export const stepStatus = defineChoices(['pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped'] as const, {
  pending: ['Pending', 'grey'],
  running: ['Running', 'blue'],
  completed: ['Completed', 'green'],
  failed: ['Failed', 'red'],
  compensating: ['Undoing', 'amber'],
  compensated: ['Undone', 'amber'],
  skipped: ['Skipped', 'grey'],
});
