// A version number a request names (a policy version, a device's configuration version): from 1 to
// PostgreSQL's largest integer, the columns' type. A larger one names no version, and is the
// caller's error (400), never the database's (500).
import { z } from 'zod';

const largestInteger = 2_147_483_647;

/** A version number in a JSON body. */
export const versionNumber = () => z.number().int().min(1).max(largestInteger);

/** A version number in a path or a query string. */
export const versionNumberText = () => z.coerce.number().int().min(1).max(largestInteger);
