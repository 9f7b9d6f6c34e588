import { baseConfigShape, z } from '@bamboo/kit';

const ms = z.coerce.number().int().positive();

export const configShape = {
  ...baseConfigShape('villa'),
  /** Longest room title, in characters. */
  VILLA_MAX_TITLE_LENGTH: z.coerce.number().int().positive().default(60),
  /** Most tags a room may carry (each tag adds index entries to every hot update). */
  VILLA_MAX_TAGS: z.coerce.number().int().positive().default(5),
  /** Longest room notice, in characters. */
  VILLA_MAX_NOTICE_LENGTH: z.coerce.number().int().positive().default(500),
  /** The first short room number handed out; later ones count up from it. */
  VILLA_FIRST_SHORT_ID: z.coerce.number().int().positive().default(10_000),
  /** How often hot fields (viewers, likes, popularity) are written to the room documents. */
  VILLA_FLUSH_INTERVAL_MS: ms.default(5_000),
  /** How often viewer counts of live rooms are pulled from sandglass (`room:<id>` modules). */
  VILLA_VIEWERS_POLL_MS: ms.default(10_000),
  /**
   * Room lists page through a frozen snapshot of the ranking index, one per
   * window of this length, so a cursor sees no duplicates or gaps while
   * popularity changes. Larger: steadier order; smaller: fresher order.
   */
  VILLA_LIST_SNAPSHOT_MS: ms.default(10_000),
  /** How long a list snapshot (and so a cursor into it) stays usable. */
  VILLA_LIST_SNAPSHOT_TTL_MS: ms.default(120_000),
  /** Popularity = viewers·W_VIEWER + giftHeat·W_GIFT + danmakuHeat·W_DANMAKU (see src/hot/popularity.ts). */
  VILLA_POP_WEIGHT_VIEWER: z.coerce.number().nonnegative().default(1),
  VILLA_POP_WEIGHT_GIFT: z.coerce.number().nonnegative().default(1),
  VILLA_POP_WEIGHT_DANMAKU: z.coerce.number().nonnegative().default(2),
  /** Half-life of gift and danmaku heat: how fast a burst stops counting. */
  VILLA_POP_HALF_LIFE_MS: ms.default(300_000),
  /** How often villa checks that the hot room indexes exist (rebuilding them after a Redis data loss). */
  VILLA_INDEX_CHECK_MS: ms.default(15_000),
  /** Timeout of one call to sandglass. */
  VILLA_SANDGLASS_TIMEOUT_MS: ms.default(2_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
