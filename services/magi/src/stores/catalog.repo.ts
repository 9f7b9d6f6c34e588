// The gift catalog of record: `gifts` holds each gift's current version,
// `gift_versions` a snapshot of every version (`<giftId>@<version>`), and
// `shelves` one document per room category listing the gifts on offer, each
// with an optional time window. Small documents, stored apart (the seed's
// "small data stored independently"). MongoDB query language throughout.
import { DuplicateKeyError, type Collection, type DocumentStore } from '@bamboo/engines';
import { ConflictError } from '@bamboo/kit';

export interface GiftFields {
  name: string;
  /** Coins per unit. */
  price: number;
  /** Experience granted to the sender per unit. */
  experience: number;
  /** Weight granted to the receiver per unit. */
  weight: number;
  iconImageId: string | null;
  /** How big an effect clients play (0 = none). */
  effectLevel: number;
  /** Ascending display order on shelves. */
  sortOrder: number;
  /** An inactive gift cannot be sent, whatever the shelves say. */
  active: boolean;
}

export interface Gift extends GiftFields {
  _id: string;
  version: number;
  updatedAt: number;
}

export interface GiftVersion extends Gift {
  giftId: string;
}

export interface ShelfItem {
  giftId: string;
  /** Epoch ms; null = open-ended. */
  from: number | null;
  until: number | null;
}

export interface Shelf {
  /** The room category; `all` is on offer in every category. */
  _id: string;
  items: ShelfItem[];
  updatedAt: number;
}

export class CatalogRepo {
  private readonly gifts: Collection<Gift>;
  private readonly versions: Collection<GiftVersion>;
  private readonly shelves: Collection<Shelf>;

  constructor(store: DocumentStore) {
    this.gifts = store.collection<Gift>('gifts');
    this.versions = store.collection<GiftVersion>('gift_versions');
    this.shelves = store.collection<Shelf>('shelves');
  }

  async init(): Promise<void> {
    await this.gifts.createIndex({ sortOrder: 1 });
    await this.versions.createIndex({ giftId: 1, version: -1 });
  }

  async gift(giftId: string): Promise<Gift | null> {
    return this.gifts.findOne({ _id: giftId });
  }

  async version(giftId: string, version: number): Promise<Gift | null> {
    const snap = await this.versions.findOne({ _id: `${giftId}@${version}` });
    if (snap) return toGift(snap);
    const current = await this.gift(giftId);
    return current?.version === version ? current : null;
  }

  async list(): Promise<Gift[]> {
    return this.gifts.find({}, { sort: { sortOrder: 1, _id: 1 } });
  }

  /**
   * Creates version 1 or writes the next version. The current document is
   * replaced by compare-and-set on its version (a concurrent writer gets 409);
   * the snapshot of each version is then upserted, and the snapshot of the
   * version being replaced is written first, so a crash between the two
   * writes is repaired by the next change.
   */
  async put(giftId: string, fields: GiftFields, now = Date.now()): Promise<Gift> {
    const current = await this.gift(giftId);
    if (!current) {
      const gift: Gift = { _id: giftId, version: 1, updatedAt: now, ...fields };
      try {
        await this.gifts.insertOne(gift);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new ConflictError(`gift ${giftId} was created concurrently; retry`);
        throw err;
      }
      await this.snapshot(gift);
      return gift;
    }
    await this.snapshot(current);
    const next: Gift = { ...current, ...fields, version: current.version + 1, updatedAt: now };
    const { _id, ...set } = next;
    const r = await this.gifts.updateOne({ _id, version: current.version }, { $set: set });
    if (r.matchedCount === 0) throw new ConflictError(`gift ${giftId} changed concurrently; retry`, 'version_conflict');
    await this.snapshot(next);
    return next;
  }

  async shelf(categoryId: string): Promise<Shelf | null> {
    return this.shelves.findOne({ _id: categoryId });
  }

  async putShelf(categoryId: string, items: ShelfItem[], now = Date.now()): Promise<Shelf> {
    await this.shelves.updateOne({ _id: categoryId }, { $set: { items, updatedAt: now } }, { upsert: true });
    return { _id: categoryId, items, updatedAt: now };
  }

  private async snapshot(gift: Gift): Promise<void> {
    const { _id, ...rest } = gift;
    await this.versions.updateOne(
      { _id: `${_id}@${gift.version}` },
      { $set: { ...rest, giftId: _id } },
      { upsert: true },
    );
  }
}

function toGift(v: GiftVersion): Gift {
  const { giftId, _id: _snapshotId, ...rest } = v;
  return { ...rest, _id: giftId };
}
