// Configuration renderers by platform, as the device drivers are chosen (activities/devices/drivers/registry.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { DeviceConfigRenderer } from './device-config.ts';
import { junosRenderer } from './junos.ts';

const byPlatform: Readonly<Record<string, DeviceConfigRenderer>> = {
  junos: junosRenderer,
  // The platform's name before the simulator spoke Junos: runs started then (and their recorded
  // histories) still carry it in their plans, and replaying them renders again.
  'junos-sim': junosRenderer,
};

export const renderers = {
  /** Whether Branchline has configuration templates for the platform. */
  supports: (platform: string): boolean => Object.hasOwn(byPlatform, platform),
  forPlatform(platform: string): DeviceConfigRenderer {
    const renderer = byPlatform[platform];
    if (!renderer) throw ApplicationFailure.nonRetryable(`No configuration templates for platform "${platform}"; known: ${Object.keys(byPlatform).join(', ')}.`, 'UnknownPlatform');
    return renderer;
  },
};
