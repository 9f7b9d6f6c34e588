import { baseConfigShape, type z } from '@bamboo/kit';

export const configShape = {
  ...baseConfigShape('trafficcop'),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
