// Uploading a firmware image: what the API takes beside the file, and what the UI's upload form
// checks before sending it, so that its inline messages are the API's own.
import { z } from 'zod';
import { deviceModelNames } from '../../domain/device-models.ts';

export const firmwareImageUpload = z.object({
  model: z.enum(deviceModelNames as [string, ...string[]]),
  version: z.string().regex(/^[0-9][0-9A-Za-z.\-]{0,40}$/, 'is a software version such as 23.2R1'),
  fileName: z.string().regex(/^[\w.\-]{1,120}$/, 'is a file name without a path').optional(),
});
