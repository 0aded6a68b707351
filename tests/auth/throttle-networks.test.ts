// Locks per (email, network) and per email, with the default settings, against the real PostgreSQL. Every test
// app sees all requests from 127.0.0.1 (trust proxy is off), so the networks are varied by calling the sign-in
// service the way the login route does (authenticate(email, password, req.ip)).
import type { Pool } from 'pg';
import { createAuthService, LOGIN_FAILED } from '../../server/auth/service';
import {
  createThrottle,
  defaultThrottleSettings,
  networkOf,
  type Throttle,
} from '../../server/auth/throttle';
import { createPool } from '../../server/db/database';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, strongPassword } from '../support/session';

let db: TestDatabase;
let pool: Pool;
let throttle: Throttle;
let auth: ReturnType<typeof createAuthService>;
const mails: { to: string; text: string }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, () => {});
  throttle = createThrottle(pool, defaultThrottleSettings);
  auth = createAuthService({
    prisma: db.prisma,
    throttle,
    sendMail: (mail) => {
      mails.push(mail);
      return Promise.resolve();
    },
    appUrl: 'http://localhost:3000',
  });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const LOCKED = /^Too many failed sign-in attempts for this email address\. Try again in \d+ minutes?\.$/;
const perNetwork = defaultThrottleSettings.lockoutThreshold;
const perEmail = defaultThrottleSettings.accountLockoutThreshold!;

/** What the login form would show: the signed-in user's email, or the refusal message. */
const signIn = async (email: string, password: string, ip: string) => {
  const result = await auth.authenticate(email, password, ip);
  return 'rejected' in result ? result.rejected : `signed in as ${result.email}`;
};
const fail = async (email: string, ip: string, times: number) => {
  for (let i = 0; i < times; i++) expect(await signIn(email, 'a wrong password', ip)).toBe(LOGIN_FAILED);
};

describe('lock per email and network', () => {
  it('when 5 wrong passwords come from network A, then the email is locked for A only and its owner signs in from B', async () => {
    const user = await createUser(db.prisma);
    await fail(user.email, '198.51.100.7', perNetwork - 1);
    expect(await throttle.lockedFor(user.email, '198.51.100.7')).toBe(0);
    await fail(user.email, '198.51.100.7', 1);

    expect(await signIn(user.email, strongPassword, '198.51.100.7')).toMatch(LOCKED);
    // Typed differently, it is the same email.
    expect(await signIn(` ${user.email.toUpperCase()}`, strongPassword, '198.51.100.7')).toMatch(LOCKED);
    expect(await signIn(user.email, strongPassword, '203.0.113.9')).toBe(`signed in as ${user.email}`);
    expect(await signIn(user.email, strongPassword, '198.51.100.8')).toBe(`signed in as ${user.email}`);
  });

  it('when an email without an account fails as often, then it is locked the same way, with the same message', async () => {
    const ghost = `ghost.${Date.now()}@example.org`;
    await fail(ghost, '198.51.100.20', perNetwork);
    expect(await signIn(ghost, strongPassword, '198.51.100.20')).toMatch(LOCKED);
    expect(await signIn(ghost, 'anything', '203.0.113.20')).toBe(LOGIN_FAILED);
  });

  it('when failures go on after the lock, then the lock lasts 1 minute, doubling with each failure up to 1 hour', async () => {
    const email = `doubling.${Date.now()}@example.org`;
    const ip = '198.51.100.30';
    for (let i = 0; i < perNetwork; i++) await throttle.recordFailure(email, ip);
    expect(await throttle.lockedFor(email, ip)).toBe(60);
    await throttle.recordFailure(email, ip);
    expect(await throttle.lockedFor(email, ip)).toBe(120);
    for (let i = 0; i < 10; i++) await throttle.recordFailure(email, ip);
    expect(await throttle.lockedFor(email, ip)).toBe(3600);
  });
});

describe('lock per email on every network', () => {
  it('when 20 wrong passwords are spread over several networks, then every network is locked, even a new one', async () => {
    const user = await createUser(db.prisma);
    const networks = ['192.0.2.1', '192.0.2.2', '2001:db8:1:1::1', '::ffff:192.0.2.4'];
    for (const ip of networks) await fail(user.email, ip, perNetwork - 1);
    // 16 failures: still nothing locked anywhere.
    for (const ip of networks) expect(await throttle.lockedFor(user.email, ip)).toBe(0);
    await fail(user.email, '192.0.2.5', perEmail - networks.length * (perNetwork - 1) - 1);
    expect(await throttle.lockedFor(user.email, '203.0.113.50')).toBe(0);
    await fail(user.email, '192.0.2.6', 1);

    expect(await throttle.lockedFor(user.email, '203.0.113.50')).toBe(60);
    expect(await signIn(user.email, strongPassword, '203.0.113.50')).toMatch(LOCKED);
    expect(await signIn(user.email, strongPassword, '2001:db8:ffff::1')).toMatch(LOCKED);
  });

  it('when the owner signs in, then their network and the count for the email are cleared, but not the lock of another network', async () => {
    const user = await createUser(db.prisma);
    await fail(user.email, '192.0.2.60', perNetwork); // the attacker's network, now locked
    for (const ip of ['192.0.2.61', '192.0.2.62', '192.0.2.63']) await fail(user.email, ip, perNetwork - 1);
    await fail(user.email, '192.0.2.64', 2); // 19 failures for the email, 2 from the owner's network

    expect(await signIn(user.email, strongPassword, '192.0.2.64')).toBe(`signed in as ${user.email}`);
    // Had the counts survived, 1 more failure would lock the email everywhere and 3 more this network.
    await fail(user.email, '192.0.2.64', perNetwork - 1);
    expect(await throttle.lockedFor(user.email, '192.0.2.64')).toBe(0);
    expect(await throttle.lockedFor(user.email, '203.0.113.64')).toBe(0);
    expect(await signIn(user.email, strongPassword, '192.0.2.60')).toMatch(LOCKED);
  });

  it('when a locked-out owner resets the password, then they sign in from where they reset it and the attacker stays locked', async () => {
    const user = await createUser(db.prisma);
    for (const ip of ['192.0.2.71', '192.0.2.72', '192.0.2.73', '192.0.2.74']) await fail(user.email, ip, 5);
    expect(await signIn(user.email, strongPassword, '203.0.113.70')).toMatch(LOCKED);

    await auth.requestPasswordReset(user.email, '203.0.113.70');
    const token = /reset-password\/([\w-]+)/.exec(mails.find((mail) => mail.to === user.email)!.text)![1]!;
    expect(await auth.resetPassword(token, 'a brand new passphrase', '203.0.113.70')).toBe(true);
    expect(await signIn(user.email, 'a brand new passphrase', '203.0.113.70')).toBe(
      `signed in as ${user.email}`,
    );
    expect(await signIn(user.email, 'a brand new passphrase', '192.0.2.71')).toMatch(LOCKED);
  });
});

describe('what a network is', () => {
  it('when IPv6 addresses share a /64, then they share one count; the next /64 has its own', async () => {
    const email = `ipv6.${Date.now()}@example.org`;
    const sameHost = ['2001:db8:aa:1::1', '2001:db8:aa:1::2', '2001:db8:aa:1:ffff:ffff:ffff:ffff'];
    for (const ip of [...sameHost, '2001:db8:aa:1:1234::9', '2001:0DB8:00AA:0001:0:0:0:77'])
      await throttle.recordFailure(email, ip);
    expect(await throttle.lockedFor(email, '2001:db8:aa:1:abcd::1')).toBe(60);
    expect(await throttle.lockedFor(email, '2001:db8:aa:2::1')).toBe(0);
    expect(await throttle.lockedFor(email, '2001:db8:aa::1')).toBe(0);
  });

  it('when a dual-stack server reports an IPv4 client as ::ffff:a.b.c.d, then it counts as that IPv4 address', async () => {
    const email = `mapped.${Date.now()}@example.org`;
    for (let i = 0; i < perNetwork; i++) await throttle.recordFailure(email, '::ffff:192.0.2.44');
    expect(await throttle.lockedFor(email, '192.0.2.44')).toBe(60);
    expect(await throttle.lockedFor(email, '::FFFF:c000:22c')).toBe(60); // 192.0.2.44 in hexadecimal
    expect(await throttle.lockedFor(email, '192.0.2.45')).toBe(0);
  });

  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:DB8::', '2001:db8:0:0::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['unknown', 'unknown'],
  ])('networkOf(%s) is %s', (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });
});
