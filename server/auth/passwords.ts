// Password hashing (Argon2id at OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane) and the password policy
// (NIST SP 800-63B: 12 to 128 characters, not a known common password, no composition rules).
import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

// algorithm 2 is Argon2id (the package's Algorithm enum is a const enum, which isolated modules cannot import).
const hashOptions = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

// zxcvbn's dictionaries (~17 MB resident once unpacked) are read on the first password chosen, not at start: most
// requests never choose one. Synchronously, because the form schemas that call this are synchronous.
const loadModule = createRequire(__filename);
let commonPasswords: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  if (!commonPasswords) {
    const { dictionary } = loadModule(
      '@zxcvbn-ts/language-common',
    ) as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return commonPasswords.has(password.toLowerCase());
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, hashOptions);
}

// Verifying against this when the email is unknown makes both failures take the same time.
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hashPassword('dummy password for timing equality');
    await verify(await dummyHash, password);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
