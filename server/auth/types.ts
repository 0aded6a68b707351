// What a request knows about its session and its signed-in user, added to Express's and express-session's types,
// and the two functions sessions are built from: checking a password (sign-in) and reading a user (every request).
import type { Request } from 'express';
import type { Role } from '../generated/prisma/enums';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: number;
      email: string;
      role: Role;
      fullName: string;
      profession: string;
      degree: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    /** When the user signed in (ms since the epoch): the absolute timeout counts from here. */
    signedInAt?: number;
  }
}

/** Checks an email and password at sign-in: the user, or why not. */
export type Authenticate = (
  email: string,
  password: string,
  ip: string,
) => Promise<Express.User | { rejected: string }>;

/** The signed-in user of a request, from the id its session holds; false when no longer signed in. */
export type ReadUser = (req: Request, id: string) => Promise<Express.User | false>;
