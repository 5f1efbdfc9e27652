/**
 * The contract against a real MongoDB server, when MONGODB_URI is set
 * (e.g. MONGODB_URI=mongodb://127.0.0.1:27017 npx vitest run test/store/mongo-real.test.ts).
 * Each store gets its own throwaway database, dropped at the end.
 */
import { afterAll, describe, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { openMongoStore } from '../../src/store/mongo.js';
import { storeContract } from './contract.js';

const uri = process.env.MONGODB_URI;

if (!uri) {
  console.warn('MONGODB_URI is not set: skipping the Store contract against a real MongoDB server');
  describe.skip('Store contract: mongodb (real server)', () => {
    it('needs MONGODB_URI', () => undefined);
  });
} else {
  const dbNames: string[] = [];
  afterAll(async () => {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    try {
      for (const name of dbNames) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
  storeContract('mongodb (real server)', async () => {
    const name = `kiosque_test_${randomBytes(6).toString('hex')}`;
    dbNames.push(name);
    return openMongoStore(uri, name);
  });
}
