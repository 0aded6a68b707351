// Installs PostgreSQL 17's pg_dump and pg_restore from Debian trixie's own packages. Why: the embedded server is 17,
// pg_dump refuses a server newer than itself, and bookworm (our base) has only 15. Trixie's binaries need glibc 2.38,
// so trixie's own loader and libraries are installed beside them and the tools are started through that loader.
//
// Trust: InRelease must carry a good signature of Debian's archive keyring (gpgv); only the text gpgv vouches for is
// read. It gives the SHA256 of Packages.gz (fetched by hash, so a mirror update in between cannot mismatch), which
// gives the SHA256 and current file name of each .deb. Nothing is extracted before its hash matches.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export class ClientToolsError extends Error {
  override readonly name = 'ClientToolsError';
}

const SUITE = 'trixie';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
export const DEFAULT_MIRROR = 'https://deb.debian.org/debian';

/** postgresql-client-17 and the libraries pg_dump and pg_restore load (checked after extraction: none from the host). */
export const CLIENT_PACKAGES = [
  'postgresql-client-17',
  'libpq5',
  'libc6',
  'zlib1g',
  'libzstd1',
  'liblz4-1',
  'libxxhash0',
  'libssl3t64',
  'libldap2',
  'libsasl2-2',
  'libsasl2-modules-db',
  'libdb5.3t64',
  'libgssapi-krb5-2',
  'libkrb5-3',
  'libkrb5support0',
  'libk5crypto3',
  'libcom-err2',
  'libkeyutils1',
] as const;

export interface InstalledPackage {
  name: string;
  version: string;
  filename: string;
  sha256: string;
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

async function download(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (DNS, refused, an untrusted certificate…) is its cause.
    const cause = (error as Error).cause;
    const reason = cause instanceof Error ? ` (${cause.message})` : '';
    throw new ClientToolsError(`cannot download ${url}: ${(error as Error).message}${reason}`);
  }
  if (!response.ok) throw new ClientToolsError(`cannot download ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Refuses early, with the reason, where this install cannot work. */
export function checkInstallable(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ClientToolsError(
      `pg_dump/pg_restore 17 can be installed automatically on linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  for (const [command, from] of [
    ['gpgv', 'gpgv'],
    ['dpkg-deb', 'dpkg'],
  ] as const) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
    if (probe.error) throw new ClientToolsError(`${command} is missing (apt-get install ${from})`);
  }
  if (!fs.existsSync(KEYRING)) {
    throw new ClientToolsError(`${KEYRING} is missing (apt-get install debian-archive-keyring)`);
  }
}

/** The Release text that gpgv verified (never the raw file: text outside the signed part would be trusted too). */
async function verifiedRelease(mirror: string, work: string): Promise<string> {
  const signed = path.join(work, 'InRelease');
  const verified = path.join(work, 'Release');
  fs.writeFileSync(signed, await download(`${mirror}/dists/${SUITE}/InRelease`));
  const check = spawnSync('gpgv', ['--keyring', KEYRING, '--output', verified, signed], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new ClientToolsError(
      `the signature of ${SUITE}'s InRelease does not verify with ${KEYRING}: ${(check.stderr || check.error?.message || '').trim()}`,
    );
  }
  const release = fs.readFileSync(verified, 'utf8');
  if (!/^Codename: trixie$/m.test(release)) throw new ClientToolsError(`InRelease is not ${SUITE}'s`);
  return release;
}

/** The Packages index of main/amd64, checked against the hash the signed Release gives for it. */
async function packagesIndex(mirror: string, release: string): Promise<string> {
  const listed = / ([0-9a-f]{64})\s+\d+ main\/binary-amd64\/Packages\.gz$/m.exec(
    release.slice(release.indexOf('\nSHA256:')),
  );
  if (!listed)
    throw new ClientToolsError('the signed Release lists no SHA256 for main/binary-amd64/Packages.gz');
  const hash = listed[1]!;
  const gz = await download(`${mirror}/dists/${SUITE}/main/binary-amd64/by-hash/SHA256/${hash}`);
  if (sha256(gz) !== hash)
    throw new ClientToolsError('Packages.gz does not match the SHA256 in the signed Release');
  return zlib.gunzipSync(gz).toString('utf8');
}

/** Each wanted package's stanza fields, from the Packages index. */
export function resolvePackages(index: string, names: readonly string[]): InstalledPackage[] {
  const wanted = new Set(names);
  const found = new Map<string, InstalledPackage>();
  for (const stanza of index.split('\n\n')) {
    const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
    if (!name || !wanted.has(name) || found.has(name)) continue;
    const field = (key: string) => new RegExp(`^${key}: (\\S+)$`, 'm').exec(stanza)?.[1];
    const [version, filename, hash] = [field('Version'), field('Filename'), field('SHA256')];
    if (!version || !filename || !hash || !/^pool\/[\w./+~-]+\.deb$/.test(filename)) {
      throw new ClientToolsError(`the Packages entry of ${name} lacks a usable Version, Filename or SHA256`);
    }
    found.set(name, { name, version, filename, sha256: hash });
  }
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new ClientToolsError(`${SUITE} has no package ${missing.join(', ')}`);
  return names.map((name) => found.get(name)!);
}

/**
 * Downloads, verifies and extracts the packages into `root` (which must not exist yet), keeping the .debs in
 * `work` until each is extracted. Returns what was installed, for the stamp file.
 */
export async function extractClientPackages(
  root: string,
  work: string,
  log: (message: string) => void,
  mirror = DEFAULT_MIRROR,
): Promise<{ release: string; packages: InstalledPackage[] }> {
  const release = await verifiedRelease(mirror, work);
  const packages = resolvePackages(await packagesIndex(mirror, release), CLIENT_PACKAGES);
  fs.mkdirSync(root);
  let bytes = 0;
  for (const pkg of packages) {
    const deb = await download(`${mirror}/${pkg.filename}`);
    if (sha256(deb) !== pkg.sha256) {
      throw new ClientToolsError(`${pkg.filename} does not match the SHA256 in the signed Packages index`);
    }
    bytes += deb.length;
    const file = path.join(work, path.basename(pkg.filename));
    fs.writeFileSync(file, deb);
    const extract = spawnSync('dpkg-deb', ['-x', file, root], { encoding: 'utf8' });
    if (extract.error || extract.status !== 0) {
      throw new ClientToolsError(`dpkg-deb -x ${path.basename(file)} failed: ${extract.stderr.trim()}`);
    }
    fs.rmSync(file);
  }
  log(
    `downloaded ${packages.length} packages from ${mirror} (${(bytes / 1e6).toFixed(1)} MB), signatures and hashes verified`,
  );
  const date = /^Date: (.*)$/m.exec(release)?.[1] ?? 'unknown';
  return { release: `${SUITE} ${/^Version: (.*)$/m.exec(release)?.[1] ?? ''} (${date})`.trim(), packages };
}
