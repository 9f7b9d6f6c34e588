// What the master hands a worker and what the worker reports back: one
// definition for the master, its routes (OpenAPI) and the worker's client.
import { z } from '@bamboo/kit';
import type { OutputFormat, VariantName } from '../images/variants.js';

export const WorkItemSchema = z
  .object({ id: z.string(), leaseId: z.string(), leaseUntil: z.number(), attempt: z.number().int(), format: z.string() })
  .openapi('WorkItem');
export type WorkItem = z.infer<typeof WorkItemSchema>;

export interface ReportedVariant {
  variant: VariantName;
  format: OutputFormat;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
}
