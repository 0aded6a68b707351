// The session secret of an app on its embedded database when SESSION_SECRET is not set: made once, kept in
// DATA_DIR/session-secret (0600) beside the data it goes with, so a restart keeps everyone signed in.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inDataDir, StartError } from './start-error';

export const SESSION_SECRET_FILE = 'session-secret';

export function persistentSessionSecret(dataDir: string): string {
  const file = path.join(path.resolve(dataDir), SESSION_SECRET_FILE);
  if (fs.existsSync(file)) {
    const secret = inDataDir('read', file, () => {
      // Whoever copied it back from a backup may have widened its mode.
      if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      return fs.readFileSync(file, 'utf8').trim();
    });
    if (secret.length < 32) {
      throw new StartError(
        `DATA_DIR: ${file} holds fewer than 32 characters; delete it to make a new one (everyone is signed out) or set SESSION_SECRET`,
      );
    }
    return secret;
  }
  const secret = crypto.randomBytes(32).toString('hex');
  inDataDir('write', file, () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written beside and renamed: a crash never leaves an empty or partial secret behind.
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, `${secret}\n`, { mode: 0o600 });
    fs.renameSync(partial, file);
  });
  return secret;
}
