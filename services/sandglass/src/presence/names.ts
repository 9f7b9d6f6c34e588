// What a user id, a module and a source name may look like. They are joined
// with spaces and colons inside Redis keys and Lua, so none may hold a space;
// module names are `<kind>:<id>` like `room:42` or `page:home`.
import { z } from '@bamboo/kit';
import { isDay } from './days.js';

export const UID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
export const MODULE_PATTERN = /^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,96}$/;
export const SOURCE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export const Uid = z
  .string()
  .regex(UID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . @ -')
  .openapi({ example: 'u1001' });

export const ModuleName = z
  .string()
  .regex(MODULE_PATTERN, 'must look like kind:id, e.g. room:42 (kind: a-z0-9_-, id: A-Za-z0-9_.@-)')
  .openapi({ example: 'room:42' });

export const Platform = z
  .string()
  .regex(/^[a-z0-9_-]{1,16}$/, 'must be 1-16 characters of a-z 0-9 _ -')
  .openapi({ example: 'ios' });

export const Day = z
  .string()
  .refine(isDay, 'must be a calendar day as YYYY-MM-DD')
  .openapi({ example: '2026-11-25' });
