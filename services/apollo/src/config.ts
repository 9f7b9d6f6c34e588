import { baseConfigShape, z } from '@bamboo/kit';

export const configShape = {
  ...baseConfigShape('apollo'),
  /** A JSON route table replacing the default one (see routing/route-table.ts). */
  APOLLO_ROUTES_FILE: z.string().min(1).optional(),
  /** Largest request body apollo accepts and forwards (image uploads are 10 MiB). */
  APOLLO_MAX_BODY_BYTES: z.coerce.number().int().positive().default(12 * 1024 * 1024),
  /** How long the merged public OpenAPI document is reused before refetching. */
  APOLLO_OPENAPI_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
