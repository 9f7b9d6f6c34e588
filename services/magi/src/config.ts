import { baseConfigShape, type z } from '@bamboo/kit';

export const configShape = {
  ...baseConfigShape('magi'),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
