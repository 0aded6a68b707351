// LISTEN/NOTIFY between instances (server/db/notifications.ts): a change announced in a transaction reaches every
// listener when it commits and never when it rolls back; a listener whose connection dies reconnects and tells its
// subscribers to forget what they keep.
import { Client } from 'pg';
import pino from 'pino';
import {
  CHANNELS,
  listenForNotifications,
  NOTIFY_SQL,
  type Notifications,
} from '../../server/db/notifications';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
const listeners: Notifications[] = [];
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(listeners.map((listener) => listener.close()));
  await db.drop();
});

/** A listener like one app instance's, recording what its subscriber hears. */
async function instance() {
  const heard: string[] = [];
  let resets = 0;
  const listener = listenForNotifications({ connectionString: db.url }, logger);
  listeners.push(listener);
  listener.subscribe(CHANNELS.certificateChanged, {
    message: (payload) => heard.push(payload),
    reset: () => (resets += 1),
  });
  await listener.ready();
  return { heard, resets: () => resets };
}

async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const until = async (condition: () => boolean, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('notifications between instances', () => {
  it('when a change is announced in a transaction, then every instance hears it on commit and none on rollback', async () => {
    const one = await instance();
    const two = await instance();
    await withClient(async (client) => {
      await client.query('BEGIN');
      await client.query(NOTIFY_SQL, [CHANNELS.certificateChanged, 'rolled-back']);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query(NOTIFY_SQL, [CHANNELS.certificateChanged, 'abc123']);
      // Not before the commit.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(one.heard).toEqual([]);
      await client.query('COMMIT');
    });
    await until(() => one.heard.length > 0 && two.heard.length > 0, 'both instances to hear the commit');
    expect(one.heard).toEqual(['abc123']);
    expect(two.heard).toEqual(['abc123']);
  });

  it('when the listening connection is killed, then it reconnects, resets its subscribers, and hears again', async () => {
    const one = await instance();
    const resetsBefore = one.resets();
    await withClient((client) =>
      client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'cme-notifications'`,
      ),
    );
    await until(() => one.resets() > resetsBefore, 'the reconnection to reset the subscriber');
    await withClient((client) => client.query(NOTIFY_SQL, [CHANNELS.certificateChanged, 'after-reconnect']));
    await until(() => one.heard.includes('after-reconnect'), 'the notification after reconnecting');
  });
});
