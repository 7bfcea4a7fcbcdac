// The one table of failure types (STYLE): activities throw ApplicationFailure with these types,
// workflows and the API recognise them by name.
export const failureTypes = {
  deviceUnreachable: 'DeviceUnreachable',
  deviceTimeout: 'DeviceTimeout',
  deviceAuthFailed: 'DeviceAuthFailed',
  deviceHostKeyChanged: 'DeviceHostKeyChanged',
  deviceLockHeld: 'DeviceLockHeld',
  deviceRejected: 'DeviceRejected',
  deviceObjectMissing: 'DeviceObjectMissing',
  deviceProtocolError: 'DeviceProtocolError',
  /** A change lost the device (it stopped answering) and the device reverted it on its own: refused, not applied again. */
  managementPathLost: 'ManagementPathLost',
  /** Another change holds the device (workflows/lease.ts). */
  deviceBusy: 'DeviceBusy',
  /** A device read back after a change does not show what the change should have brought. */
  verificationFailed: 'VerificationFailed',
  siteNotFound: 'SiteNotFound',
  /** The site cannot be onboarded now (its hubs are not active, it has no device…); the message says why. */
  siteNotReady: 'SiteNotReady',
  /** The box did not phone home before the site's deadline. */
  phoneHomeDeadline: 'PhoneHomeDeadline',
  /** Onboarding failed, was undone, and the operator aborted it (or never decided). */
  onboardingFailed: 'OnboardingFailed',
  /** The box that phoned home has the serial of a device in service elsewhere: it is not admitted twice. */
  serialInService: 'SerialInService',
  /** No such device, or one never provisioned (nothing to reach). */
  deviceNotFound: 'DeviceNotFound',
  /** The site is being onboarded, decommissioned or is not in service: no upgrade now. */
  siteBusy: 'SiteBusy',
  /** An upgrade's pre-checks found a reason not to start (no room, nothing to do…); the device is untouched. */
  upgradePreCheckFailed: 'UpgradePreCheckFailed',
  /** An upgrade failed after it started; the device was rolled back to its previous software. */
  upgradeFailed: 'UpgradeFailed',
  /** A device replacement that cannot go ahead (no box was ever provisioned, the new serial is taken…). */
  rmaRefused: 'RmaRefused',
  /** A device replacement failed or was aborted after it started; the device stays in RMA. */
  rmaFailed: 'RmaFailed',
  /** The box that phoned home, or answers at the device's address, is another model than the device is planned as: nothing is pushed to it. */
  deviceModelMismatch: 'DeviceModelMismatch',
  /** A configuration names a secret the inventory does not hold for that device (render/device-config.ts: secretReference). */
  secretNotFound: 'SecretNotFound',
  /** A device's credential profile does not open with this deployment's SECRETS_KEY (the key was changed): retrying will not help. */
  credentialsSealedOtherwise: 'CredentialsSealedOtherwise',
  /** A credential rotation that cannot start (a platform with no login renderer, nothing to reach…); the device is untouched. */
  credentialRotationRefused: 'CredentialRotationRefused',
  /** A credential rotation failed and was undone: the new login removed, the old credentials still on record and working. */
  credentialRotationFailed: 'CredentialRotationFailed',
  /** A configuration version asked for is not on record for the device. */
  configVersionNotFound: 'ConfigVersionNotFound',
  /** A configuration rollback, re-apply or adoption failed; a change the device did not confirm was rolled back by it. */
  configurationRestoreFailed: 'ConfigurationRestoreFailed',
  /** A webhook receiver answered other than 2xx, or not at all; retried until the deadline. */
  webhookNotDelivered: 'WebhookNotDelivered',
  /** A webhook that cannot be sent at all (its subscription was switched off or deleted). */
  webhookRefused: 'WebhookRefused',
  /** A webhook whose URL leads somewhere webhooks may not go (loopback, private, metadata…); nothing was sent. */
  webhookDestinationForbidden: 'WebhookDestinationForbidden',
  /** A VNF that did not come up on its uCPE (boot failed, in error, not answering in time). */
  vnfBootFailed: 'VnfBootFailed',
  /** The uCPE lacks the cores, memory or disk a VNF's flavour asks for; nothing was changed. */
  vnfResourcesShort: 'VnfResourcesShort',
  /** No such VNF instance, or one whose package or host is gone. */
  vnfInstanceNotFound: 'VnfInstanceNotFound',
  /** A VNF that did not come up healthy after an operation (its health check did not hold in time). */
  vnfUnhealthy: 'VnfUnhealthy',
  /** No such network service (or its uCPE is gone). */
  networkServiceNotFound: 'NetworkServiceNotFound',
  /** A function of a network service did not come up (its own run undid it); the service was rolled back. */
  networkServiceFunctionFailed: 'NetworkServiceFunctionFailed',
  /** The uCPE's reported path through the chain is not the chain asked for (a hop missing, dropped, out elsewhere). */
  serviceChainBroken: 'ServiceChainBroken',
  /** A VNF instance's run refused a change of package (busy, not running, or the package does not fit it): that instance fails, the campaign goes on. */
  vnfChangeRefused: 'VnfChangeRefused',
  /** A maintenance window that never opens, or names a start or time zone that is no such thing: retrying will not help. */
  maintenanceWindowInvalid: 'MaintenanceWindowInvalid',
  /** The database refused a write or read as such (a constraint, a row that is not there, a malformed query): the same again fails the same. */
  databaseRefused: 'DatabaseRefused',
  /** A run was started with input its workflow cannot read (a duration that is no duration): the same input fails the same. */
  invalidRunInput: 'InvalidRunInput',
} as const;

export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];
