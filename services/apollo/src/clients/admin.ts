// Admin operations on clients: create, change, rotate, seed. Each stores the
// change, records it in the audit log, and announces it to every node.
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '@bamboo/kit';
import type { AuditLog } from '../stores/audit-log.js';
import { PLANS, type Client, type Limit, type StoredSecret } from './client.js';
import type { ClientDirectory } from './directory.js';
import { generateSecret, hashSecret, verifySecret, type SecretBox } from './secrets.js';

export interface AdminDeps {
  directory: ClientDirectory;
  audit: AuditLog;
  box: SecretBox;
}

export interface NewClient {
  id?: string;
  name: string;
  plan: string;
  scopes: string[];
  limits?: Record<string, Limit>;
  quotaPerDay?: number | null;
  concurrency?: number;
  /** Only for seeding a known client (the demo); otherwise one is generated. */
  secret?: string;
}

export interface ClientChange {
  name?: string;
  plan?: string;
  scopes?: string[];
  limits?: Record<string, Limit>;
  quotaPerDay?: number | null;
  concurrency?: number;
  disabled?: boolean;
}

async function newSecret(box: SecretBox, secret: string, nowMs: number): Promise<StoredSecret> {
  return { id: randomBytes(4).toString('hex'), hash: await hashSecret(secret), sealed: box.seal(secret), createdAt: nowMs, expiresAt: null };
}

function checkPlan(plan: string | undefined): void {
  if (plan !== undefined && !PLANS[plan]) throw new ValidationError(`plan: unknown plan ${plan} (known: ${Object.keys(PLANS).join(', ')})`);
}

export async function createClient(deps: AdminDeps, input: NewClient, actor: string): Promise<{ client: Client; secret: string }> {
  checkPlan(input.plan);
  const now = Date.now();
  const secret = input.secret ?? generateSecret();
  const client: Client = {
    _id: input.id ?? `c_${randomBytes(8).toString('hex')}`,
    name: input.name,
    plan: input.plan,
    scopes: [...new Set(input.scopes)],
    limits: input.limits ?? {},
    ...(input.quotaPerDay !== undefined ? { quotaPerDay: input.quotaPerDay } : {}),
    ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
    disabled: false,
    secrets: [await newSecret(deps.box, secret, now)],
    createdAt: now,
    updatedAt: now,
  };
  await deps.directory.store.insert(client);
  await deps.audit.record({ at: now, actor, action: 'client.create', target: client._id, detail: { name: client.name, plan: client.plan, scopes: client.scopes } });
  await deps.directory.changed(client._id);
  return { client, secret };
}

export async function changeClient(deps: AdminDeps, id: string, change: ClientChange, actor: string): Promise<Client> {
  checkPlan(change.plan);
  const now = Date.now();
  const set = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) throw new ValidationError('body: nothing to change');
  const updated = await deps.directory.store.update(id, { ...set, updatedAt: now });
  if (!updated) throw new NotFoundError(`no client ${id}`, 'unknown_client');
  const action = change.disabled === true ? 'client.disable' : change.disabled === false ? 'client.enable' : 'client.change';
  await deps.audit.record({ at: now, actor, action, target: id, detail: set });
  await deps.directory.changed(id);
  return updated;
}

/** A new secret; earlier ones keep working for `graceSeconds` (0 ends them now). */
export async function rotateSecret(deps: AdminDeps, id: string, graceSeconds: number, actor: string): Promise<{ client: Client; secret: string }> {
  const now = Date.now();
  const secret = generateSecret();
  const client = await deps.directory.store.addSecret(id, await newSecret(deps.box, secret, now), now + graceSeconds * 1000, now);
  if (!client) throw new NotFoundError(`no client ${id}`, 'unknown_client');
  await deps.audit.record({ at: now, actor, action: 'client.rotate', target: id, detail: { graceSeconds } });
  await deps.directory.changed(id);
  return { client, secret };
}

/**
 * Makes sure the demo client exists with the given secret (launcher: BAMBOO_DEMO_CLIENT_*).
 * An existing demo client whose secret differs gets the new one, without grace.
 */
export async function seedClient(deps: AdminDeps, input: NewClient & { id: string; secret: string }): Promise<void> {
  const existing = await deps.directory.store.get(input.id);
  if (!existing) {
    try {
      await createClient(deps, input, 'seed');
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    return;
  }
  for (const stored of existing.secrets) {
    if (stored.expiresAt === null && (await verifySecret(input.secret, stored.hash))) return;
  }
  const now = Date.now();
  await deps.directory.store.addSecret(input.id, await newSecret(deps.box, input.secret, now), now, now);
  await deps.audit.record({ at: now, actor: 'seed', action: 'client.rotate', target: input.id, detail: { graceSeconds: 0 } });
  await deps.directory.changed(input.id);
}
