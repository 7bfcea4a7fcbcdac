// Replacing a failed device (RMA): the device (the path's) and the new box (the body). One schema
// for the API and the RMA wizard, built step by step: the wizard's last step is exactly what the
// API accepts, so its inline messages are the API's own.
import { z } from 'zod';
import { deviceModelNames } from '../../domain/device-models.ts';
import { serialSchema } from './site.ts';
import { ticketSchema } from './ticket.ts';

export const rmaParams = z.object({ deviceId: z.uuid('is required: choose the failed device') });

/** How the new box proves itself when it phones home. */
export const rmaAdmissions = ['activation_code', 'host_key'] as const;

export const rmaRequest = z.object({
  newSerial: serialSchema.describe("The new box's serial, as printed on it"),
  newModel: z.enum(deviceModelNames).optional().describe("The new box's model, when not the failed one's: it must be a documented replacement"),
  admitBy: z.enum(rmaAdmissions).default('activation_code').describe(
    'activation_code: the answer holds a one-time code, shown once, that the installer types into the new box. host_key: the new box is a spare '
    + 'that phoned home already and waits among the unclaimed devices; it is admitted by the host key it reported, with no code',
  ),
  reason: z.string().min(1).max(500, 'is at most 500 characters').optional(),
  ticket: ticketSchema.optional(),
  phoneHomeWithinMinutes: z.number().int().min(1).max(60 * 24 * 90).default(60 * 24 * 7),
});

/** The wizard's steps: the failed device, then the new box. */
export const rmaFailedDeviceStep = rmaParams;
export const rmaNewBoxStep = rmaFailedDeviceStep.extend(rmaRequest.shape);
