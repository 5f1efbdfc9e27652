/**
 * An in-memory stand-in for a MongoDB database, for tests: exactly the
 * DocCollection subset MongoStore uses, with MongoDB's query, update and
 * aggregation languages evaluated by mingo.
 *
 * Server behaviour it keeps, because the store relies on it:
 * - documents are copied in and out (no shared references, like the wire);
 * - every operation yields to the event loop first, so concurrent calls
 *   interleave between operations (each single-document write is atomic);
 * - unique indexes (and `_id`) are enforced and throw an E11000 error with
 *   `code: 11000`; an unordered bulk write carries on and reports
 *   `writeErrors` with the failing operations' indexes;
 * - `$$NOW` in `$expr` filters and update pipelines is the real clock
 *   (mingo evaluates it with Date.now(); no test needs to move server time);
 * - top-level field names starting with `$` are refused on insert.
 */
import { Aggregator, Query, find } from 'mingo';
import updater from 'mingo/updater';
import type { BulkOp, Doc, DocCollection, DocDatabase, FindOptions, SortSpec, WriteResult } from '../../src/store/mongo.js';

export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(
    readonly collection: string,
    readonly index: string,
    readonly keyValue: Doc,
  ) {
    super(`E11000 duplicate key error collection: fake.${collection} index: ${index} dup key: ${JSON.stringify(keyValue)}`);
  }
}

export class BulkWriteError extends Error {
  readonly code: number;
  constructor(readonly writeErrors: { index: number; code: number; errmsg: string }[]) {
    super(`bulk write failed: ${writeErrors.map((w) => w.errmsg).join('; ')}`);
    this.code = writeErrors[0]!.code;
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const tick = () => new Promise<void>((r) => setImmediate(r));

interface UniqueIndex {
  name: string;
  fields: string[];
}

let nextObjectId = 1;

class FakeCollection implements DocCollection {
  private docs: Doc[] = [];
  private readonly uniques: UniqueIndex[] = [{ name: '_id_', fields: ['_id'] }];
  readonly indexNames: string[] = ['_id_'];

  constructor(readonly name: string) {}

  async listIndexNames(): Promise<string[]> {
    await tick();
    return [...this.indexNames];
  }

  async dropIndex(name: string): Promise<void> {
    await tick();
    const k = this.indexNames.indexOf(name);
    if (k < 0 || name === '_id_') throw new Error(`index not found with name [${name}]`);
    this.indexNames.splice(k, 1);
    const u = this.uniques.findIndex((ix) => ix.name === name);
    if (u >= 0) this.uniques.splice(u, 1);
  }

  async createIndex(keys: SortSpec, opts: { unique?: boolean; name?: string } = {}): Promise<string> {
    await tick();
    const name = opts.name ?? Object.entries(keys).map(([k, d]) => `${k}_${d}`).join('_');
    if (!this.indexNames.includes(name)) {
      this.indexNames.push(name);
      if (opts.unique) {
        const ix = { name, fields: Object.keys(keys) };
        const seen = new Set<string>();
        for (const d of this.docs) {
          const k = this.keyOf(d, ix);
          if (seen.has(k)) throw new DuplicateKeyError(this.name, name, JSON.parse(k));
          seen.add(k);
        }
        this.uniques.push(ix);
      }
    }
    return name;
  }

  async findOne(filter: Doc, opts: FindOptions = {}): Promise<Doc | null> {
    await tick();
    return this.select(filter, { ...opts, limit: 1 })[0] ?? null;
  }

  find(filter: Doc, opts: FindOptions = {}): { toArray(): Promise<Doc[]> } {
    return {
      toArray: async () => {
        await tick();
        return this.select(filter, opts);
      },
    };
  }

  async countDocuments(filter: Doc): Promise<number> {
    await tick();
    return this.matching(filter).length;
  }

  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> } {
    return {
      toArray: async () => {
        await tick();
        return new Aggregator(pipeline).run(clone(this.docs)) as Doc[];
      },
    };
  }

  async insertOne(doc: Doc): Promise<{ insertedId: unknown }> {
    await tick();
    return { insertedId: this.insertNow(doc) };
  }

  async updateOne(filter: Doc, update: Doc | Doc[], opts: { upsert?: boolean } = {}): Promise<WriteResult> {
    await tick();
    return this.updateNow(filter, update, opts.upsert ?? false, false).result;
  }

  async updateMany(filter: Doc, update: Doc | Doc[]): Promise<WriteResult> {
    await tick();
    return this.updateNow(filter, update, false, true).result;
  }

  async replaceOne(filter: Doc, replacement: Doc, opts: { upsert?: boolean } = {}): Promise<WriteResult> {
    await tick();
    return this.replaceNow(filter, replacement, opts.upsert ?? false);
  }

  async deleteOne(filter: Doc): Promise<{ deletedCount: number }> {
    await tick();
    return this.deleteNow(filter, false);
  }

  async deleteMany(filter: Doc): Promise<{ deletedCount: number }> {
    await tick();
    return this.deleteNow(filter, true);
  }

  async findOneAndUpdate(filter: Doc, update: Doc | Doc[], opts: { returnDocument: 'after'; upsert?: boolean }): Promise<Doc | null> {
    await tick();
    const { after } = this.updateNow(filter, update, opts.upsert ?? false, false);
    return after ? clone(after) : null;
  }

  async bulkWrite(ops: BulkOp[], opts: { ordered: boolean }): Promise<{ ok: 1 }> {
    await tick();
    const errors: { index: number; code: number; errmsg: string }[] = [];
    for (const [index, op] of ops.entries()) {
      try {
        if ('insertOne' in op) this.insertNow(op.insertOne.document);
        else if ('updateOne' in op) this.updateNow(op.updateOne.filter, op.updateOne.update, op.updateOne.upsert ?? false, false);
        else this.replaceNow(op.replaceOne.filter, op.replaceOne.replacement, op.replaceOne.upsert ?? false);
      } catch (e) {
        if (!(e instanceof DuplicateKeyError)) throw e;
        errors.push({ index, code: e.code, errmsg: e.message });
        if (opts.ordered) break;
      }
    }
    if (errors.length) throw new BulkWriteError(errors);
    return { ok: 1 };
  }

  // ───── synchronous core (each call is atomic) ─────

  private matching(filter: Doc): Doc[] {
    const q = new Query(filter);
    return this.docs.filter((d) => q.test(d));
  }

  private select(filter: Doc, opts: FindOptions): Doc[] {
    if (opts.limit === 0) return this.select(filter, { ...opts, limit: undefined }); // 0 = no limit, as in MongoDB
    let cursor = find(this.docs, filter, opts.projection);
    if (opts.sort) cursor = cursor.sort(opts.sort);
    if (opts.skip) cursor = cursor.skip(opts.skip);
    if (opts.limit !== undefined) cursor = cursor.limit(opts.limit);
    return clone(cursor.all() as Doc[]);
  }

  private keyOf(doc: Doc, ix: UniqueIndex): string {
    return JSON.stringify(ix.fields.map((f) => doc[f] ?? null));
  }

  /** Throws E11000 when `doc` would collide with another document on a unique index. */
  private checkUnique(doc: Doc, except?: Doc): void {
    for (const ix of this.uniques) {
      const key = this.keyOf(doc, ix);
      if (this.docs.some((d) => d !== except && this.keyOf(d, ix) === key)) {
        throw new DuplicateKeyError(this.name, ix.name, Object.fromEntries(ix.fields.map((f) => [f, doc[f] ?? null])));
      }
    }
  }

  private insertNow(input: Doc): unknown {
    const doc = clone(input);
    for (const k of Object.keys(doc)) if (k.startsWith('$')) throw new Error(`field name ${k} is not valid for storage`);
    if (doc._id === undefined) doc._id = `oid${nextObjectId++}`;
    this.checkUnique(doc);
    this.docs.push(doc);
    return doc._id;
  }

  /** Applies an operator update or an update pipeline to a copy of `doc`. */
  private applied(doc: Doc, update: Doc | Doc[], inserting: boolean): Doc {
    if (Array.isArray(update)) return new Aggregator(update).run([clone(doc)])[0] as Doc;
    const { $setOnInsert, ...ops } = update as Doc & { $setOnInsert?: Doc };
    for (const k of Object.keys(ops)) if (!k.startsWith('$')) throw new Error(`update document must use operators, got ${k}`);
    const out = clone(doc);
    if (Object.keys(ops).length) updater.update(out, ops as never);
    if (inserting && $setOnInsert) Object.assign(out, clone($setOnInsert));
    return out;
  }

  private updateNow(filter: Doc, update: Doc | Doc[], upsert: boolean, many: boolean): { result: WriteResult; after: Doc | null } {
    const targets = many ? this.matching(filter) : this.matching(filter).slice(0, 1);
    let modified = 0;
    let after: Doc | null = null;
    for (const old of targets) {
      const next = this.applied(old, update, false);
      if (next._id !== old._id) throw new Error('the _id field cannot be changed');
      this.checkUnique(next, old);
      if (JSON.stringify(next) !== JSON.stringify(old)) modified++;
      this.docs[this.docs.indexOf(old)] = next;
      after = next;
    }
    if (!targets.length && upsert) {
      after = this.applied(equalityFields(filter), update, true);
      this.insertNow(after);
      return { result: { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 }, after };
    }
    return { result: { matchedCount: targets.length, modifiedCount: modified, upsertedCount: 0 }, after };
  }

  private replaceNow(filter: Doc, replacement: Doc, upsert: boolean): WriteResult {
    for (const k of Object.keys(replacement)) if (k.startsWith('$')) throw new Error('replacement document must not use operators');
    const old = this.matching(filter)[0];
    if (old) {
      if (replacement._id !== undefined && replacement._id !== old._id) throw new Error('the _id field cannot be changed');
      const next = { ...clone(replacement), _id: old._id };
      this.checkUnique(next, old);
      this.docs[this.docs.indexOf(old)] = next;
      return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0 };
    }
    if (!upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    this.insertNow({ ...equalityFields(filter), ...replacement });
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  private deleteNow(filter: Doc, many: boolean): { deletedCount: number } {
    const gone = many ? this.matching(filter) : this.matching(filter).slice(0, 1);
    this.docs = this.docs.filter((d) => !gone.includes(d));
    return { deletedCount: gone.length };
  }
}

/** The fields an upsert seeds from its filter: `{ f: v }` and `{ f: { $eq: v } }`. */
function equalityFields(filter: Doc): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$')) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      if (Object.hasOwn(v, '$eq')) out[k] = clone((v as Doc).$eq);
    } else {
      out[k] = clone(v);
    }
  }
  return out;
}

export class MingoDb implements DocDatabase {
  private readonly collections = new Map<string, FakeCollection>();
  closed = false;

  collection(name: string): FakeCollection {
    let c = this.collections.get(name);
    if (!c) {
      c = new FakeCollection(name);
      this.collections.set(name, c);
    }
    return c;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
