// An ITSM ticket number, as runs carry it (search attribute, audit) and the UI's wizards ask for it.
import { z } from 'zod';

export const ticketSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$/, 'is an ITSM ticket number such as CHG0030001');
