// The audit log port: every admin change, who made it and when.
/** One admin change. `detail` never holds a secret. */
export interface AuditEntry {
  at: number;
  /** `admin-token`, `client:<id>` or `internal:<service>`. */
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

/**
 * Guarantees: `record` resolves only once the entry is stored; `list` returns
 * newest first; a store that does not answer throws ServiceUnavailableError.
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(options: { limit: number; target?: string }): Promise<AuditEntry[]>;
}
