// Installing pg_dump/pg_restore 17 from Debian trixie (server/db/backup-debian.ts, client-tools.ts), through a
// local mirror that passes deb.debian.org's files on, or alters one: the chain of trust (signed InRelease →
// Packages.gz → each .deb) refuses any altered file, and a refused install leaves nothing behind.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLIENT_PACKAGES, resolvePackages } from '../../server/db/backup-debian';
import { clientTools, installClientTools, toolsHome } from '../../server/db/client-tools';

jest.setTimeout(180_000);

type Tamper = (pathname: string, body: Buffer) => Buffer;

/** A mirror on 127.0.0.1 serving deb.debian.org's files, passed through `tamper`. */
async function localMirror(tamper: Tamper): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const pathname = request.url ?? '/';
    fetch(`https://deb.debian.org/debian${pathname}`)
      .then(async (upstream) => {
        const body = Buffer.from(await upstream.arrayBuffer());
        // One request per connection: a kept-alive socket that this server closes as the client reuses it (the
        // next package can take seconds to fetch upstream under load) would fail the download for nothing.
        response
          .writeHead(upstream.status, { connection: 'close' })
          .end(upstream.ok ? tamper(pathname, body) : body);
      })
      .catch(() => response.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const flipOneByte = (body: Buffer) => {
  const copy = Buffer.from(body);
  const middle = Math.floor(copy.length / 2);
  copy[middle] = copy[middle]! ^ 0x01;
  return copy;
};

describe('installing pg_dump and pg_restore 17 from Debian trixie', () => {
  const roots: string[] = [];
  const projectRoot = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-tools-'));
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

  async function refusedWith(tamper: Tamper, message: RegExp): Promise<void> {
    const mirror = await localMirror(tamper);
    const home = toolsHome(projectRoot());
    try {
      await expect(installClientTools(home, { mirror: mirror.url })).rejects.toThrow(message);
    } finally {
      await mirror.close();
    }
    expect(fs.readdirSync(path.dirname(home))).toEqual([]); // neither the folder nor a staging leftover
  }

  it('when installed through a mirror, then both tools run as 17 from their own tree, and the stamp lists each package with its hash', async () => {
    const mirror = await localMirror((_, body) => body);
    const root = projectRoot();
    const started = Date.now();
    try {
      await installClientTools(toolsHome(root), { mirror: mirror.url });
    } finally {
      await mirror.close();
    }
    console.log(`install through the local mirror: ${Date.now() - started} ms`);
    const tools = await clientTools({ projectRoot: root, env: {} });
    expect(tools.source).toBe(toolsHome(root));
    expect(tools.version).toMatch(/^pg_dump \(PostgreSQL\) 17\.\d+ \(Debian 17\./);
    const stamp = JSON.parse(fs.readFileSync(path.join(toolsHome(root), 'installed.json'), 'utf8')) as {
      release: string;
      packages: { name: string; sha256: string; filename: string }[];
    };
    expect(stamp.release).toMatch(/^trixie 13\./);
    expect(stamp.packages.map((pkg) => pkg.name)).toEqual([...CLIENT_PACKAGES]);
    for (const pkg of stamp.packages) expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(path.dirname(toolsHome(root)))).toEqual(['postgresql-client-17']);
  });

  it('when InRelease is altered, then its signature does not verify and nothing is installed', async () => {
    await refusedWith(
      (pathname, body) =>
        pathname.endsWith('/InRelease')
          ? Buffer.from(body.toString('utf8').replace('Codename: trixie', 'Codename: trixiE'))
          : body,
      /the signature of trixie's InRelease does not verify/,
    );
  });

  it('when Packages.gz is altered, then it does not match the signed Release and nothing is installed', async () => {
    await refusedWith(
      (pathname, body) => (pathname.includes('/by-hash/SHA256/') ? flipOneByte(body) : body),
      /Packages\.gz does not match the SHA256 in the signed Release/,
    );
  });

  it('when a .deb is altered, then it does not match the signed Packages index and nothing is installed', async () => {
    await refusedWith(
      (pathname, body) => (pathname.includes('/postgresql-client-17_') ? flipOneByte(body) : body),
      /postgresql-client-17_.*\.deb does not match the SHA256 in the signed Packages index/,
    );
  });

  it('when the Packages index is read, then each package gives its current file name and hash, and a missing one is named', () => {
    const index = [
      'Package: libpq5\nVersion: 17.12-0+deb13u1\nFilename: pool/main/p/postgresql-17/libpq5_17.12-0+deb13u1_amd64.deb\nSHA256: ' +
        'a'.repeat(64),
      'Package: zlib1g\nVersion: 1:1.3\nFilename: pool/main/z/zlib/zlib1g_1.3_amd64.deb\nSHA256: ' +
        'b'.repeat(64),
    ].join('\n\n');
    expect(resolvePackages(index, ['zlib1g', 'libpq5'])).toEqual([
      {
        name: 'zlib1g',
        version: '1:1.3',
        filename: 'pool/main/z/zlib/zlib1g_1.3_amd64.deb',
        sha256: 'b'.repeat(64),
      },
      {
        name: 'libpq5',
        version: '17.12-0+deb13u1',
        filename: 'pool/main/p/postgresql-17/libpq5_17.12-0+deb13u1_amd64.deb',
        sha256: 'a'.repeat(64),
      },
    ]);
    expect(() => resolvePackages(index, ['libpq5', 'libc6'])).toThrow('trixie has no package libc6');
    expect(() =>
      resolvePackages(
        'Package: libc6\nVersion: 2\nFilename: ../../etc/passwd.deb\nSHA256: ' + 'c'.repeat(64),
        ['libc6'],
      ),
    ).toThrow(/lacks a usable Version, Filename or SHA256/);
  });
});
