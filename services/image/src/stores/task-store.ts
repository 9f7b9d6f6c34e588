// The task store port: one task per distinct image (by SHA-256), with the
// seed's states and the master's lease. Every method takes `now` (epoch ms)
// so the lease rules can be tested with a controlled clock.
//
// Guarantees every adapter gives, across processes sharing the store:
// - ids come from one sequence and tasks are handed out in that order;
// - `claim` is atomic: a task is held by at most one lease at a time, so two
//   workers never process the same task at once while its lease runs;
// - a task in progress whose lease has passed is handed out again by `claim`
//   (with a new lease id) while it has attempts left; `expireExhausted`
//   fails the ones that have none;
// - `complete` and `fail` apply only with the current lease id: a worker that
//   lost its task (its lease was handed to another) changes nothing;
// - one task per SHA-256: `create` of known bytes returns the existing task.
import type { InputFormat } from '../images/formats.js';
import type { OutputFormat, VariantName } from '../images/variants.js';

export const TASK_STATES = ['pending', 'in-progress', 'finished', 'failed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface StoredOriginal {
  key: string;
  format: InputFormat;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
}

export interface StoredVariant {
  variant: VariantName;
  format: OutputFormat;
  key: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
}

export interface TaskError {
  code: string;
  message: string;
  /** True when retrying the same bytes cannot succeed (bad input, a bomb). */
  permanent: boolean;
}

export interface Task {
  id: string;
  seq: number;
  sha256: string;
  state: TaskState;
  kind: string;
  roomId: string | null;
  uploader: string | null;
  original: StoredOriginal;
  attempts: number;
  leaseId: string | null;
  leaseUntil: number | null;
  worker: string | null;
  error: TaskError | null;
  variants: StoredVariant[];
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export type NewTask = Pick<Task, 'sha256' | 'kind' | 'roomId' | 'uploader' | 'original'>;

export interface Claimed {
  task: Task;
  /** The task was in progress under an earlier lease that ran out. */
  leaseExpired: boolean;
}

export interface FailInput {
  error: TaskError;
  maxAttempts: number;
}

export interface TaskStore {
  /** Creates indexes; idempotent. */
  init(): Promise<void>;
  /** The task for these bytes: a new pending one, or the existing one (`created: false`). */
  create(input: NewTask, now: number): Promise<{ task: Task; created: boolean }>;
  get(id: string): Promise<Task | null>;
  /**
   * Hands the oldest pending (or lease-expired, with attempts left) task to
   * `worker` under a fresh lease of `leaseMs`, counting an attempt.
   */
  claim(worker: string, now: number, leaseMs: number, maxAttempts: number): Promise<Claimed | null>;
  /** Fails tasks whose lease ran out on their last attempt; returns how many. */
  expireExhausted(now: number, maxAttempts: number): Promise<number>;
  /** Whether `leaseId` is the task's current lease (it may have run out but not been handed on). */
  holds(id: string, leaseId: string): Promise<boolean>;
  /** Finishes the task when `leaseId` still holds it; false (and no change) otherwise. */
  complete(id: string, leaseId: string, variants: StoredVariant[], now: number): Promise<boolean>;
  /**
   * Records a failure under `leaseId`: back to pending when the error is not
   * permanent and attempts are left, else failed. Null when the lease no longer holds.
   */
  fail(id: string, leaseId: string, input: FailInput, now: number): Promise<TaskState | null>;
  /** Puts a failed task back to pending with fresh attempts (a re-upload after a transient failure). */
  retry(id: string, now: number): Promise<Task | null>;
  countByState(): Promise<Record<TaskState, number>>;
}
