// Categories of rooms, in the document store (embedded or MongoDB; queries
// written once in MongoDB's language). Guarantees:
// - names are unique (case as given): a second category of the same name is a ConflictError;
// - list() returns categories by `order`, then by creation, so equal orders keep a stable sequence;
// - hidden categories stay addressable by id (rooms keep them) but list() leaves them out unless asked;
// - categories are never deleted, so exists() remembers every id it has found.
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '@bamboo/kit';
import { DuplicateKeyError, type Collection, type DocumentStore } from '@bamboo/engines';

export interface Category {
  _id: string;
  name: string;
  order: number;
  hidden: boolean;
  createdAt: number;
}

export type CategoryPatch = Partial<Pick<Category, 'name' | 'order' | 'hidden'>>;

export class CategoryStore {
  private readonly coll: Collection<Category>;
  private readonly known = new Set<string>();

  constructor(docs: DocumentStore) {
    this.coll = docs.collection<Category>('categories');
  }

  async init(): Promise<void> {
    await this.coll.createIndex({ name: 1 }, { unique: true });
    await this.coll.createIndex({ order: 1, createdAt: 1 });
  }

  async create(input: { name: string; order: number; hidden: boolean }, now: number): Promise<Category> {
    const category: Category = { _id: `c${randomBytes(5).toString('hex')}`, ...input, createdAt: now };
    try {
      await this.coll.insertOne(category);
    } catch (err) {
      throw this.duplicate(err, input.name);
    }
    return category;
  }

  async get(id: string): Promise<Category> {
    const category = await this.coll.findOne({ _id: id });
    if (!category) throw new NotFoundError(`no category ${id}`, 'category_not_found');
    return category;
  }

  /** Whether the category exists (hidden or not); answers known ids without a query. */
  async exists(id: string): Promise<boolean> {
    if (this.known.has(id)) return true;
    const found = (await this.coll.findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
    if (found) this.known.add(id);
    return found;
  }

  async update(id: string, patch: CategoryPatch): Promise<Category> {
    let updated: Category | null;
    try {
      updated = await this.coll.findOneAndUpdate({ _id: id }, { $set: patch });
    } catch (err) {
      throw this.duplicate(err, patch.name ?? '');
    }
    if (!updated) throw new NotFoundError(`no category ${id}`, 'category_not_found');
    return updated;
  }

  async list(includeHidden: boolean): Promise<Category[]> {
    return this.coll.find(includeHidden ? {} : { hidden: false }, { sort: { order: 1, createdAt: 1, _id: 1 } });
  }

  private duplicate(err: unknown, name: string): unknown {
    return err instanceof DuplicateKeyError ? new ConflictError(`a category named ${name} exists`, 'category_exists') : err;
  }
}
