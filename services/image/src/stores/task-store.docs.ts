// The task store on the document engine (embedded nedb or MongoDB): queries
// written once in MongoDB's language. The lease is a deadline on the task
// document; `claim` is one findOneAndUpdate, atomic on both engines.
import { randomUUID } from 'node:crypto';
import { DuplicateKeyError, type Collection, type DocumentStore } from '@bamboo/engines';
import { TASK_STATES, type Claimed, type FailInput, type NewTask, type StoredVariant, type Task, type TaskState, type TaskStore } from './task-store.js';

type TaskDoc = Omit<Task, 'id'> & { _id: string };
type CounterDoc = { _id: string; value: number };

const toTask = ({ _id, ...rest }: TaskDoc): Task => ({ id: _id, ...rest });

export function createDocsTaskStore(docs: DocumentStore): TaskStore {
  const tasks: Collection<TaskDoc> = docs.collection<TaskDoc>('tasks');
  const counters: Collection<CounterDoc> = docs.collection<CounterDoc>('counters');

  async function nextSeq(): Promise<number> {
    const doc = await counters.findOneAndUpdate({ _id: 'tasks' }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
    return doc!.value;
  }

  const expiredFilter = (now: number) => ({ state: 'in-progress', leaseUntil: { $lt: now } });

  return {
    async init() {
      await tasks.createIndex({ sha256: 1 }, { unique: true });
      await tasks.createIndex({ state: 1, seq: 1 });
    },

    async create(input, now) {
      const existing = await tasks.findOne({ sha256: input.sha256 });
      if (existing) return { task: toTask(existing), created: false };
      const seq = await nextSeq();
      const doc: TaskDoc = {
        _id: String(seq),
        seq,
        ...input,
        state: 'pending',
        attempts: 0,
        leaseId: null,
        leaseUntil: null,
        worker: null,
        error: null,
        variants: [],
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      };
      try {
        await tasks.insertOne(doc);
        return { task: toTask(doc), created: true };
      } catch (error) {
        // The same bytes uploaded concurrently: the other upload's task wins.
        if (!(error instanceof DuplicateKeyError)) throw error;
        const winner = await tasks.findOne({ sha256: input.sha256 });
        if (!winner) throw error;
        return { task: toTask(winner), created: false };
      }
    },

    async get(id) {
      const doc = await tasks.findOne({ _id: id });
      return doc ? toTask(doc) : null;
    },

    async claim(worker, now, leaseMs, maxAttempts): Promise<Claimed | null> {
      const leaseId = randomUUID();
      const set = { state: 'in-progress' as const, leaseId, leaseUntil: now + leaseMs, worker, updatedAt: now };
      const before = await tasks.findOneAndUpdate(
        { $or: [{ state: 'pending' }, { ...expiredFilter(now), attempts: { $lt: maxAttempts } }] },
        { $set: set, $inc: { attempts: 1 } },
        { sort: { seq: 1 }, returnDocument: 'before' },
      );
      if (!before) return null;
      const task = toTask({ ...before, ...set, attempts: before.attempts + 1 });
      return { task, leaseExpired: before.state === 'in-progress' };
    },

    async expireExhausted(now, maxAttempts) {
      const result = await tasks.updateMany(
        { ...expiredFilter(now), attempts: { $gte: maxAttempts } },
        {
          $set: {
            state: 'failed',
            leaseId: null,
            leaseUntil: null,
            updatedAt: now,
            error: {
              code: 'lease_expired',
              message: `no worker finished it within its lease in ${maxAttempts} attempts`,
              permanent: false,
            },
          },
        },
      );
      return result.modifiedCount;
    },

    async holds(id, leaseId) {
      return (await tasks.countDocuments({ _id: id, state: 'in-progress', leaseId })) > 0;
    },

    async complete(id, leaseId, variants: StoredVariant[], now) {
      const result = await tasks.updateOne(
        { _id: id, state: 'in-progress', leaseId },
        { $set: { state: 'finished', variants, leaseId: null, leaseUntil: null, error: null, finishedAt: now, updatedAt: now } },
      );
      return result.matchedCount > 0;
    },

    async fail(id, leaseId, { error, maxAttempts }: FailInput, now): Promise<TaskState | null> {
      const doc = await tasks.findOne({ _id: id, state: 'in-progress', leaseId });
      if (!doc) return null;
      const state: TaskState = !error.permanent && doc.attempts < maxAttempts ? 'pending' : 'failed';
      const result = await tasks.updateOne(
        { _id: id, state: 'in-progress', leaseId },
        { $set: { state, error, leaseId: null, leaseUntil: null, updatedAt: now } },
      );
      return result.matchedCount > 0 ? state : null;
    },

    async retry(id, now) {
      return tasks
        .findOneAndUpdate(
          { _id: id, state: 'failed' },
          { $set: { state: 'pending', attempts: 0, error: null, updatedAt: now } },
          { returnDocument: 'after' },
        )
        .then((doc) => (doc ? toTask(doc) : null));
    },

    async countByState() {
      const counts = await Promise.all(TASK_STATES.map((state) => tasks.countDocuments({ state })));
      return Object.fromEntries(TASK_STATES.map((state, i) => [state, counts[i]!])) as Record<TaskState, number>;
    },
  };
}
