// AuditLog on the document store (collection `audit`).
import type { DocumentStore } from '@bamboo/engines';
import type { AuditEntry, AuditLog } from './audit-log.js';

export function docsAuditLog(docs: DocumentStore): AuditLog {
  const entries = docs.collection<AuditEntry & { _id: string }>('audit');
  return {
    async record(entry) {
      await entries.insertOne(entry);
    },
    async list({ limit, target }) {
      const found = await entries.find(target ? { target } : {}, { sort: { at: -1 }, limit, projection: { _id: 0 } });
      return found as AuditEntry[];
    },
  };
}
