// Tells every instance of the app what another one changed, through PostgreSQL's LISTEN/NOTIFY: the database all
// instances share is the only carrier needed. A change is announced with pg_notify inside the transaction that
// makes it, so it is delivered when (and only if) that transaction commits, to every listener, this one included.
//
// Each instance keeps one connection that listens (outside the pools). While it is down, notifications are lost,
// so on every (re)connection each subscriber is told to forget everything it keeps (`reset`): a cache may be cold
// after an outage, never stale.
import { Client, type ClientConfig } from 'pg';
import type { Logger } from 'pino';

/** The channels, named once: a typo would listen forever to nothing. */
export const CHANNELS = {
  /** Payload: the certificate code whose verification changed (revoked, superseded). */
  certificateChanged: 'certificate_changed',
  /** An instance synced changed content/ into the database (a deploy): activity views kept in memory are stale. */
  contentSynced: 'content_synced',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export interface Subscriber {
  /** A notification on the channel, with its payload. */
  message(payload: string): void;
  /** Notifications may have been missed (first connection, reconnection): drop whatever depends on them. */
  reset(): void;
}

export interface Notifications {
  subscribe(channel: Channel, subscriber: Subscriber): void;
  /** Resolves once the first LISTEN is in place (tests, and a start that wants it before serving). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** SQL that announces a change; run it in the transaction that makes the change (`SELECT pg_notify($1, $2)`). */
export const NOTIFY_SQL = 'SELECT pg_notify($1, $2)';

const RETRY_MS = { first: 250, max: 10_000 };

export function listenForNotifications(config: ClientConfig, logger: Logger): Notifications {
  const subscribers = new Map<Channel, Subscriber[]>();
  let client: Client | null = null;
  let closed = false;
  let delay = RETRY_MS.first;
  let timer: NodeJS.Timeout | null = null;
  let markReady: () => void = () => {};
  const firstConnection = new Promise<void>((resolve) => (markReady = resolve));

  const resetAll = () => subscribers.forEach((list) => list.forEach((s) => s.reset()));

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, RETRY_MS.max);
  };

  async function connect(): Promise<void> {
    const next = new Client({ ...config, application_name: 'cme-notifications' });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'notification listener lost its connection; reconnecting');
      if (client === next) client = null;
      void next.end().catch(() => {});
      retry();
    });
    next.on('notification', (message) => {
      for (const subscriber of subscribers.get(message.channel as Channel) ?? []) {
        subscriber.message(message.payload ?? '');
      }
    });
    try {
      await next.connect();
      for (const channel of Object.values(CHANNELS)) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      void next.end().catch(() => {});
      if (!closed) logger.warn({ err: error }, 'notification listener cannot connect yet; retrying');
      retry();
      return;
    }
    if (closed) return void next.end().catch(() => {});
    client = next;
    delay = RETRY_MS.first;
    resetAll();
    markReady();
  }

  void connect();

  return {
    subscribe(channel, subscriber) {
      subscribers.set(channel, [...(subscribers.get(channel) ?? []), subscriber]);
    },
    ready: () => firstConnection,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      markReady();
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
