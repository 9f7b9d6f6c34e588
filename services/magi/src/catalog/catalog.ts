// The catalog as the rest of magi sees it: gifts and shelves read through a
// short in-process cache (a burst of sends into one room reads one gift many
// times), and the rule of what is on offer in a category at a moment.
import { NotFoundError } from '@bamboo/kit';
import type { CatalogRepo, Gift, GiftFields, Shelf, ShelfItem } from '../stores/catalog.repo.js';
import { TtlCache } from '../util/ttl-cache.js';

/** The shelf whose gifts are on offer in every category. */
export const ALL_CATEGORIES = 'all';

export class Catalog {
  private readonly gifts: TtlCache<Gift | null>;
  private readonly shelves: TtlCache<Shelf | null>;

  constructor(
    private readonly repo: CatalogRepo,
    cacheMs: number,
  ) {
    this.gifts = new TtlCache(cacheMs);
    this.shelves = new TtlCache(cacheMs);
  }

  async gift(giftId: string): Promise<Gift> {
    const gift = await this.gifts.get(giftId, () => this.repo.gift(giftId));
    if (!gift) throw new NotFoundError(`gift ${giftId} does not exist`, 'gift_not_found');
    return gift;
  }

  async version(giftId: string, version: number): Promise<Gift> {
    const gift = await this.repo.version(giftId, version);
    if (!gift) throw new NotFoundError(`gift ${giftId} has no version ${version}`, 'gift_not_found');
    return gift;
  }

  list(): Promise<Gift[]> {
    return this.repo.list();
  }

  async put(giftId: string, fields: GiftFields): Promise<Gift> {
    const gift = await this.repo.put(giftId, fields);
    this.gifts.delete(giftId);
    return gift;
  }

  async putShelf(categoryId: string, items: ShelfItem[]): Promise<Shelf> {
    for (const item of items) await this.gift(item.giftId); // 404 on an unknown gift, before anything changes
    const shelf = await this.repo.putShelf(categoryId, items);
    this.shelves.delete(categoryId);
    return shelf;
  }

  async shelf(categoryId: string): Promise<Shelf> {
    return (await this.shelves.get(categoryId, () => this.repo.shelf(categoryId))) ?? { _id: categoryId, items: [], updatedAt: 0 };
  }

  /** Whether a gift is on offer in a category at `at`: on its shelf or the `all` shelf, in window, and active. */
  async onShelf(gift: Gift, categoryId: string, at: number): Promise<boolean> {
    if (!gift.active) return false;
    const [own, all] = await Promise.all([this.shelf(categoryId), this.shelf(ALL_CATEGORIES)]);
    return [...own.items, ...all.items].some((item) => item.giftId === gift._id && inWindow(item, at));
  }

  /** The gifts on offer in a category at `at`, in display order. */
  async offered(categoryId: string, at: number): Promise<Array<Gift & { until: number | null }>> {
    const [own, all] = await Promise.all([this.shelf(categoryId), this.shelf(ALL_CATEGORIES)]);
    const until = new Map<string, number | null>();
    for (const item of [...own.items, ...all.items]) {
      if (!inWindow(item, at)) continue;
      const prev = until.get(item.giftId);
      // Open-ended beats any end; otherwise the later end.
      until.set(item.giftId, prev === null || item.until === null ? null : Math.max(prev ?? 0, item.until));
    }
    const gifts = await Promise.all(
      [...until.keys()].map((id) => this.gifts.get(id, () => this.repo.gift(id))),
    );
    return gifts
      .filter((g): g is Gift => g !== null && g.active)
      .map((g) => ({ ...g, until: until.get(g._id) ?? null }))
      .sort((a, b) => a.sortOrder - b.sortOrder || (a._id < b._id ? -1 : 1));
  }
}

function inWindow(item: ShelfItem, at: number): boolean {
  return (item.from === null || item.from <= at) && (item.until === null || at < item.until);
}
