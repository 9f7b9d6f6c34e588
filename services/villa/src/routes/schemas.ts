// Request and response schemas shared by the route files. Limits that are
// configuration (title length, tag count) are applied when the app is built.
import { ErrorSchema, z } from '@bamboo/kit';
import type { Config } from '../config.js';

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');
export const RoomIdParam = z.object({ roomId: Id.openapi({ param: { name: 'roomId', in: 'path' }, example: '9f1c2a7b3d4e' }) });
export const RoomUserParams = RoomIdParam.extend({ uid: Id.openapi({ param: { name: 'uid', in: 'path' }, example: 'u42' }) });
export const Tag = z.string().regex(/^[\p{L}\p{N}_-]{1,20}$/u, 'must be 1-20 letters, digits, _ or -');
const ImageId = z.string().min(1).max(128);

export function roomInputSchemas(config: Config) {
  const fields = {
    title: z.string().trim().min(1).max(config.VILLA_MAX_TITLE_LENGTH),
    categoryId: Id,
    tags: z.array(Tag).max(config.VILLA_MAX_TAGS),
    notice: z.string().max(config.VILLA_MAX_NOTICE_LENGTH),
    coverImageId: ImageId.nullable(),
  };
  const NewRoom = z
    .object({
      ...fields,
      tags: fields.tags.default([]),
      notice: fields.notice.default(''),
      coverImageId: fields.coverImageId.default(null),
    })
    .openapi('NewRoom');
  const RoomEdit = z
    .object(fields)
    .partial()
    .refine((e) => Object.keys(e).length > 0, 'give at least one field to change')
    .openapi('RoomEdit');
  return { NewRoom, RoomEdit };
}

export const RoomView = z
  .object({
    roomId: z.string(),
    shortId: z.number().int(),
    anchorId: z.string(),
    categoryId: z.string(),
    title: z.string(),
    tags: z.array(z.string()),
    notice: z.string(),
    coverImageId: z.string().nullable(),
    thumbnailImageId: z.string().nullable(),
    closed: z.boolean(),
    live: z.boolean(),
    sessionId: z.string().nullable(),
    startedAt: z.number().nullable(),
    viewers: z.number().int(),
    likes: z.number().int(),
    popularity: z.number(),
    createdAt: z.number(),
  })
  .openapi('Room');

export const Category = z
  .object({ categoryId: z.string(), name: z.string(), order: z.number().int(), hidden: z.boolean() })
  .openapi('Category');

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function body<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } };
}

const err = (description: string) => json(ErrorSchema, description);
export const errors = {
  400: err('invalid input; nothing changed'),
  401: err('no end-user identity'),
  403: err('not allowed for this user'),
  404: err('unknown room or category'),
  409: err('conflicts with the current state'),
  503: err('a store does not answer'),
} as const;

/** The error responses a route declares, by status. */
export function pick<K extends keyof typeof errors>(...codes: K[]): Pick<typeof errors, K> {
  return Object.fromEntries(codes.map((k) => [k, errors[k]])) as Pick<typeof errors, K>;
}
