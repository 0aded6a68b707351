// Brute-force protection, stored in PostgreSQL so that every app instance sees the same counts (verification
// lookups excepted: they are counted in memory, see below). Per IP: a ceiling on login, registration and reset
// requests (generous: a hospital puts many clinicians behind one address). Per account: after
// LOCKOUT_THRESHOLD consecutive failures the email is locked, for a delay that doubles with each further
// failure. Keys are the email typed, whether or not an account exists, so a lockout reveals nothing about
// which accounts exist.
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
  lockoutThreshold: number;
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
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
};

export type IpAction = 'login' | 'register' | 'reset' | 'verify';

export interface Throttle {
  /** Counts one request from `ip`; returns the seconds to wait when over the limit, else 0. */
  hitIp(action: IpAction, ip: string): Promise<number>;
  /** Seconds left on the lock of this email, 0 if none. */
  lockedFor(email: string): Promise<number>;
  recordFailure(email: string): Promise<void>;
  recordSuccess(email: string): Promise<void>;
}

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
  const failures = limiter('login_failures', 1_000_000, 24 * 60 * 60);
  const locks = limiter('login_lock', 1, 1);

  return {
    async hitIp(action, ip) {
      try {
        await perIp[action].consume(ip);
        return 0;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.ceil(rejection.msBeforeNext / 1000);
        throw rejection;
      }
    },
    async lockedFor(email) {
      const lock = await locks.get(email);
      return lock && lock.consumedPoints > 0 ? Math.ceil(lock.msBeforeNext / 1000) : 0;
    },
    async recordFailure(email) {
      const { consumedPoints } = await failures.penalty(email, 1);
      if (consumedPoints >= settings.lockoutThreshold) {
        const doublings = consumedPoints - settings.lockoutThreshold;
        const seconds = Math.min(settings.lockoutBaseSeconds * 2 ** doublings, settings.lockoutMaxSeconds);
        await locks.block(email, seconds);
      }
    },
    async recordSuccess(email) {
      await Promise.all([failures.delete(email), locks.delete(email)]);
    },
  };
}
