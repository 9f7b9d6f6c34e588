import type { DocumentStore } from '@bamboo/engines';
import { embeddedHarness, mongoHarness } from './document-harness.contract.js';
import { opsStoresContract } from './ops-stores.contract.js';
import { createDocsAuditLog, createDocsPinStore } from './ops.docs.js';

const over = (docs: DocumentStore) => ({ pins: createDocsPinStore(docs), audit: createDocsAuditLog(docs) });

opsStoresContract('embedded documents', embeddedHarness('trafficcop-ops', over));
const mongo = mongoHarness('trafficcop-ops', ['pins', 'audit'], over);
if (mongo) opsStoresContract('MongoDB', mongo);
