import { baseConfigShape, type z } from '@bamboo/kit';

export const configShape = {
  ...baseConfigShape('sandglass'),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
