import { z } from 'zod';

/** Cursor pagination over uuid v7 ids, which sort by creation time. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.uuid().optional().describe('The nextCursor of the previous page'),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.uuid().nullable() });
}

/** Prisma arguments for one page: one row more than asked tells whether another page follows. */
export function pageArgs<W extends object>(query: z.infer<typeof pageQuery>, where: W) {
  return {
    take: query.limit + 1,
    orderBy: { id: 'asc' as const },
    where: query.cursor ? { ...where, id: { gt: query.cursor } } : where,
  };
}

export function toPage<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
