// Brute-force protection, stored in PostgreSQL so that every app instance sees the same counts (verification
// lookups excepted: they are counted in memory, see below).
// - Per network: a ceiling on login, registration and reset requests (generous: a hospital puts many clinicians
//   behind one address).
// - Per (email, network): after `lockoutThreshold` failures the email is locked for that network only, for a
//   delay that doubles with each further failure. A stranger guessing from elsewhere does not lock the owner out.
// - Per email, any network: after `accountLockoutThreshold` failures within 24 hours the email is locked
//   everywhere, also doubling, so that spreading guesses over many networks does not give unlimited guesses.
// Keys are the email typed, whether or not an account exists, so a lockout reveals nothing about which accounts
// exist. Every key is stored as a SHA-256 hash: rate_limits.key is varchar(255) and emails go up to 254
// characters, so a raw key could overflow, fail the query and leave the guess uncounted.
import crypto from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Pool } from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface ThrottleSettings {
  loginPerIpPer15Min: number;
  registrationsPerIpPerHour: number;
  resetsPerIpPerHour: number;
  /** Failures for one email from one network before that network is locked for it. */
  lockoutThreshold: number;
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
  /**
   * Failures for one email from any network within 24 hours before it is locked on every network. Defaults to
   * four times `lockoutThreshold`, so the per-network lock always comes first.
   */
  accountLockoutThreshold?: number;
  /** Certificate verification lookups per IP per minute (public, so limited against code guessing). */
  verifyPerIpPerMinute?: number;
}

export const defaultThrottleSettings: ThrottleSettings = {
  loginPerIpPer15Min: 60,
  registrationsPerIpPerHour: 20,
  resetsPerIpPerHour: 10,
  lockoutThreshold: 5,
  lockoutBaseSeconds: 60,
  lockoutMaxSeconds: 60 * 60,
  accountLockoutThreshold: 20,
};

export type IpAction = 'login' | 'register' | 'reset' | 'verify';

export interface Throttle {
  /** Counts one request from the network of `ip`; returns the seconds to wait when over the limit, else 0. */
  hitIp(action: IpAction, ip: string): Promise<number>;
  /** Seconds left on the lock of this email for the network of `ip` (or on every network), 0 if none. */
  lockedFor(email: string, ip: string): Promise<number>;
  recordFailure(email: string, ip: string): Promise<void>;
  /**
   * The right password (or a reset link) proves the owner: clears this network's count and lock and the
   * email's count and lock on every network. Locks of other networks stay until they expire.
   */
  recordSuccess(email: string, ip: string): Promise<void>;
}

/**
 * What one client controls: an IPv4 address (behind a NAT, everyone shares it), or for IPv6 the /64, since a
 * host usually owns a whole /64 and could otherwise change address at every guess. IPv4-mapped IPv6
 * (::ffff:a.b.c.d, as a dual-stack server reports IPv4 clients) is the IPv4 address.
 */
export function networkOf(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, ''); // without an IPv6 zone (fe80::1%eth0)
  if (isIPv4(address) || !isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  const prefix = groups.slice(0, 4).map((group) => group.toString(16));
  return `${prefix.join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, `::` expanded and a dotted IPv4 tail converted. */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const front = parse(head);
  const back = parse(tail);
  const gap = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...new Array<number>(gap).fill(0), ...back];
}

/** A key of 43 characters whatever the input; JSON keeps ("a", "bc") and ("ab", "c") apart. */
export const throttleKey = (...parts: string[]) =>
  crypto.createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

const normalEmail = (email: string) => email.trim().toLowerCase();

export function createThrottle(pool: Pool, settings: ThrottleSettings = defaultThrottleSettings): Throttle {
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterPostgres({
      storeClient: pool,
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix,
      points,
      duration,
    });
  const perIp: Record<IpAction, RateLimiterAbstract> = {
    login: limiter('ip_login', settings.loginPerIpPer15Min, 15 * 60),
    register: limiter('ip_register', settings.registrationsPerIpPerHour, 60 * 60),
    reset: limiter('ip_reset', settings.resetsPerIpPerHour, 60 * 60),
    // Verification is a public read that every certificate's QR code leads to: counting it in PostgreSQL would
    // make each lookup a write. Its limit only has to make guessing 128-bit codes pointless, so it is counted
    // in memory, per instance (with N instances a network gets N times the allowance).
    verify: new RateLimiterMemory({
      keyPrefix: 'ip_verify',
      points: settings.verifyPerIpPerMinute ?? 120,
      duration: 60,
    }),
  };
  const day = 24 * 60 * 60;
  // Failures are counted in a 24-hour window that starts at the first one; locks are separate rows whose
  // expiry is the end of the lock.
  const network = { failures: limiter('net_failures', 1_000_000, day), locks: limiter('net_lock', 1, 1) };
  const anywhere = {
    failures: limiter('email_failures', 1_000_000, day),
    locks: limiter('email_lock', 1, 1),
  };
  const accountThreshold = settings.accountLockoutThreshold ?? 4 * settings.lockoutThreshold;

  const keysOf = (email: string, ip: string) => ({
    network: throttleKey(normalEmail(email), networkOf(ip)),
    anywhere: throttleKey(normalEmail(email)),
  });
  /** The lock after `failures` failures: none below the threshold, then the base delay doubling up to the max. */
  const lockSeconds = (failures: number, threshold: number) =>
    failures < threshold
      ? 0
      : Math.min(settings.lockoutBaseSeconds * 2 ** (failures - threshold), settings.lockoutMaxSeconds);
  const secondsLeft = async (locks: RateLimiterAbstract, key: string) => {
    const lock = await locks.get(key);
    return lock && lock.consumedPoints > 0 ? Math.ceil(lock.msBeforeNext / 1000) : 0;
  };

  return {
    async hitIp(action, ip) {
      try {
        await perIp[action].consume(throttleKey(networkOf(ip)));
        return 0;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.ceil(rejection.msBeforeNext / 1000);
        throw rejection;
      }
    },
    async lockedFor(email, ip) {
      const keys = keysOf(email, ip);
      const waits = await Promise.all([
        secondsLeft(network.locks, keys.network),
        secondsLeft(anywhere.locks, keys.anywhere),
      ]);
      return Math.max(...waits);
    },
    async recordFailure(email, ip) {
      const keys = keysOf(email, ip);
      const [here, everywhere] = await Promise.all([
        network.failures.penalty(keys.network, 1),
        anywhere.failures.penalty(keys.anywhere, 1),
      ]);
      const hereSeconds = lockSeconds(here.consumedPoints, settings.lockoutThreshold);
      const everywhereSeconds = lockSeconds(everywhere.consumedPoints, accountThreshold);
      await Promise.all([
        hereSeconds > 0 && network.locks.block(keys.network, hereSeconds),
        everywhereSeconds > 0 && anywhere.locks.block(keys.anywhere, everywhereSeconds),
      ]);
    },
    async recordSuccess(email, ip) {
      const keys = keysOf(email, ip);
      await Promise.all([
        network.failures.delete(keys.network),
        network.locks.delete(keys.network),
        anywhere.failures.delete(keys.anywhere),
        anywhere.locks.delete(keys.anywhere),
      ]);
    },
  };
}
