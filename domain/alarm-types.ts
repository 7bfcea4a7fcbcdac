// The one table of alarm types: what raises an alarm and what clears it name it from here, and
// the Alarms page shows it as the type.
export const alarmTypes = {
  /** A box phoned home with a wrong activation code, or none. */
  activationRefused: 'ztp.activation-refused',
  /** A box phoned home as another model than its site expects. */
  modelMismatch: 'ztp.model-mismatch',
  /** A box phoned home with the right code, but a device in service holds its serial. */
  serialInService: 'ztp.serial-in-service',
  /** The box did not phone home before the site's deadline. */
  phoneHomeDeadline: 'ztp.deadline',
  /** A replacement failed or was aborted: the device stays in RMA. */
  rmaFailed: 'rma.failed',
  /** An upgrade campaign halted on its failure budget. */
  campaignHalted: 'upgrade.campaign-halted',
  /** A steered application out of its SLA for its policy's smoothing window (no compliant link, or none yet). */
  slaViolation: 'sla.violation',
  /** A device's running configuration differs from what Branchline last committed: cleared once they agree again. */
  configurationDrift: 'config.drift',
  /** A VNF instance that healing could not bring back (or an operator failed): it waits for the operator. */
  vnfFailed: 'vnf.failed',
  /** A device in service stopped answering (NETCONF): cleared once it answers again, or a replacement is in service. */
  deviceUnreachable: 'device.unreachable',
} as const;

/** The alarms about getting a device's box admitted: cleared once a box is provisioned for the device. */
export const admissionAlarmTypes: string[] = [alarmTypes.activationRefused, alarmTypes.modelMismatch, alarmTypes.phoneHomeDeadline];
