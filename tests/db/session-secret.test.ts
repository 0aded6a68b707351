// The kept session secret: made once with mode 0600, read back unchanged, refused when it cannot be trusted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { persistentSessionSecret } from '../../server/db/session-secret';
import { StartError } from '../../server/db/start-error';

describe('persistentSessionSecret', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-secret-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('when DATA_DIR has none, then one is made (creating DATA_DIR) with mode 0600, and the next call reads it back', () => {
    const dataDir = path.join(tmp, 'fresh', 'data');
    const secret = persistentSessionSecret(dataDir);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const file = path.join(dataDir, 'session-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(persistentSessionSecret(dataDir)).toBe(secret);
    expect(fs.readdirSync(dataDir)).toEqual(['session-secret']);
  });

  it('when the file was made readable by others (restored from a backup), then it is tightened to 0600 and kept', () => {
    const dataDir = path.join(tmp, 'widened');
    const secret = persistentSessionSecret(dataDir);
    const file = path.join(dataDir, 'session-secret');
    fs.chmodSync(file, 0o644);
    expect(persistentSessionSecret(dataDir)).toBe(secret);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('when the file holds too short a secret, then it refuses, naming DATA_DIR and the file', () => {
    const dataDir = path.join(tmp, 'short');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, 'session-secret'), 'too short\n', { mode: 0o600 });
    expect(() => persistentSessionSecret(dataDir)).toThrow(StartError);
    expect(() => persistentSessionSecret(dataDir)).toThrow(
      new RegExp(`^DATA_DIR: ${path.join(dataDir, 'session-secret')} holds fewer than 32 characters`),
    );
  });

  it('when DATA_DIR cannot be made, then it refuses, naming DATA_DIR, the path and why', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    expect(() => persistentSessionSecret(path.join(file, 'data'))).toThrow(
      `DATA_DIR: cannot write ${path.join(file, 'data', 'session-secret')}: a part of the path is a file, not a directory (ENOTDIR)`,
    );
  });
});
