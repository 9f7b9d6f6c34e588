// Demo data for `npm start`, so a newcomer can try the API at once: a few
// room categories, gifts on every shelf, and coins for the demo users. Each
// call goes straight to the owning service, signed with the internal key as
// apollo would forward an admin's call, and is safe to repeat (a category
// that exists answers 409; gifts are PUT; top-ups carry an idempotency key).
import { identityHeaders, signatureHeaders } from '@bamboo/kit';

const CATEGORIES = ['Just Chatting', 'Games', 'Music', 'Outdoors'];
const GIFTS = [
  { id: 'rose', name: 'Rose', price: 1, experience: 1, weight: 1, effectLevel: 1, sortOrder: 1 },
  { id: 'bamboo', name: 'Bamboo', price: 10, experience: 10, weight: 8, effectLevel: 2, sortOrder: 2 },
  { id: 'rocket', name: 'Rocket', price: 500, experience: 500, weight: 400, effectLevel: 5, sortOrder: 3 },
];
export const DEMO_USERS = ['u1', 'u2', 'u3'];
const DEMO_COINS = 10_000;

export interface SeedTarget {
  villaPort: number;
  magiPort: number;
  internalKey: string;
}

async function call(key: string, port: number, method: string, path: string, scopes: string[], body: unknown) {
  const text = JSON.stringify(body);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    body: text,
    headers: {
      'content-type': 'application/json',
      ...identityHeaders({ method: 'oauth', clientId: 'bamboo-launcher', scopes }),
      ...signatureHeaders(key, { method, pathWithQuery: path, body: text, caller: 'apollo', timestampMs: Date.now() }),
    },
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

/** Seeds the demo data; returns a line for the banner. */
export async function seedDemoData(target: SeedTarget): Promise<string> {
  const { internalKey: key } = target;
  for (const name of CATEGORIES) {
    await call(key, target.villaPort, 'POST', '/v1/categories', ['villa:admin'], { name });
  }
  for (const { id, ...gift } of GIFTS) {
    await call(key, target.magiPort, 'PUT', `/v1/gifts/${id}`, ['magi:admin'], { ...gift, iconImageId: `icon-${id}` });
  }
  await call(key, target.magiPort, 'PUT', '/v1/gifts/shelves/all', ['magi:admin'], {
    items: GIFTS.map((g) => ({ giftId: g.id })),
  });
  for (const uid of DEMO_USERS) {
    await call(key, target.magiPort, 'POST', '/internal/wallets/topups', [], {
      key: `demo-seed-${uid}`,
      uid,
      amount: DEMO_COINS,
    });
  }
  return `categories ${CATEGORIES.join(', ')}; gifts ${GIFTS.map((g) => g.id).join(', ')}; ${DEMO_COINS} coins for ${DEMO_USERS.join(', ')}`;
}
