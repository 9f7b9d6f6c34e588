#!/usr/bin/env node
// Prints the apollo signature headers for one request, one per line, for
// `curl -H @-`:
//
//   BODY='{"title":"my room"}'
//   node services/apollo/scripts/sign.mjs --key "$ID" --secret "$SECRET" POST '/v1/rooms?x=1' "$BODY" \
//     | curl -H @- -H 'content-type: application/json' -d "$BODY" 'http://127.0.0.1:8080/v1/rooms?x=1'
//
// Uses the same function as apollo (dist/auth/signed/sign.js; run `npm run build` first).
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/signed/sign.js';

const { values, positionals } = parseArgs({
  options: { key: { type: 'string' }, secret: { type: 'string' } },
  allowPositionals: true,
});
const [method, url, body] = positionals;
const keyId = values.key ?? process.env.APOLLO_KEY;
const secret = values.secret ?? process.env.APOLLO_SECRET;
if (!method || !url || !keyId || !secret) {
  process.stderr.write('usage: sign.mjs --key ID --secret SECRET METHOD PATH_OR_URL [BODY]  (or APOLLO_KEY / APOLLO_SECRET)\n');
  process.exit(2);
}
const headers = signRequest({ keyId, secret, method, url, ...(body === undefined ? {} : { body }) });
for (const [name, value] of Object.entries(headers)) process.stdout.write(`${name}: ${value}\n`);
