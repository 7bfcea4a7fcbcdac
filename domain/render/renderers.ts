// Configuration renderers by platform, as the device drivers are chosen (activities/devices/drivers/registry.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { DeviceConfigRenderer } from './device-config.ts';
import { junosSimRenderer } from './junos-sim.ts';

const byPlatform: Readonly<Record<string, DeviceConfigRenderer>> = {
  'junos-sim': junosSimRenderer,
};

export const renderers = {
  forPlatform(platform: string): DeviceConfigRenderer {
    const renderer = byPlatform[platform];
    if (!renderer) throw ApplicationFailure.nonRetryable(`No configuration templates for platform "${platform}"; known: ${Object.keys(byPlatform).join(', ')}.`, 'UnknownPlatform');
    return renderer;
  },
};
