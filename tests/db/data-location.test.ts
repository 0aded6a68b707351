// Where the embedded cluster lives: the choice never abandons an existing cluster, and as root it leaves a
// DATA_DIR the postgres user cannot reach for a folder outside it. Real directories, modes and the real postgres
// user; a cluster is recognised by its PG_VERSION file, which is all the choice looks at.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  blockedDirectory,
  externalHome,
  planCluster,
  postgresUser,
  type RunAs,
} from '../../server/db/data-location';
import { StartError } from '../../server/db/start-error';

const isRoot = process.getuid?.() === 0;
const makeCluster = (dir: string) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
};

describe('planCluster', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-location-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** DATA_DIR with its postgres/ folder, inside a parent of the given mode, and a root for external folders. */
  function layout(name: string, parentMode: number) {
    const parent = path.join(tmp, name);
    fs.mkdirSync(parent, { mode: parentMode });
    fs.chmodSync(parent, parentMode);
    const dataDir = path.join(parent, 'data');
    const serverDir = path.join(dataDir, 'postgres');
    fs.mkdirSync(serverDir, { recursive: true });
    const externalRoot = path.join(tmp, `${name}-external`);
    return { parent, dataDir, serverDir, externalRoot, inside: path.join(serverDir, 'pgdata') };
  }

  beforeAll(() => fs.chmodSync(tmp, 0o755));

  it('when not root, then the cluster is in DATA_DIR, existing or not', () => {
    const { dataDir, serverDir, externalRoot, inside } = layout('not-root', 0o700);
    expect(planCluster(serverDir, dataDir, null, externalRoot)).toEqual({
      clusterDir: inside,
      exists: false,
      external: false,
    });
    makeCluster(inside);
    expect(planCluster(serverDir, dataDir, null, externalRoot)).toMatchObject({
      clusterDir: inside,
      exists: true,
    });
  });

  (isRoot ? describe : describe.skip)('as root', () => {
    let postgres: RunAs;
    beforeAll(() => (postgres = postgresUser()));

    it('when the postgres user can reach DATA_DIR, then a new cluster goes in DATA_DIR', () => {
      const { dataDir, serverDir, externalRoot, inside } = layout('reachable', 0o755);
      expect(blockedDirectory(serverDir, postgres)).toBeNull();
      expect(planCluster(serverDir, dataDir, postgres, externalRoot)).toEqual({
        clusterDir: inside,
        exists: false,
        external: false,
      });
    });

    it('when it cannot, then a new cluster goes to a folder of its own outside, named after DATA_DIR', () => {
      const { parent, dataDir, serverDir, externalRoot } = layout('unreachable', 0o700);
      expect(blockedDirectory(serverDir, postgres)).toBe(parent);
      const outside = path.join(externalHome(dataDir, externalRoot), 'pgdata');
      expect(path.basename(path.dirname(outside))).toMatch(/^[0-9a-f]{16}$/);
      expect(planCluster(serverDir, dataDir, postgres, externalRoot)).toEqual({
        clusterDir: outside,
        exists: false,
        external: true,
      });
      makeCluster(outside);
      expect(planCluster(serverDir, dataDir, postgres, externalRoot)).toEqual({
        clusterDir: outside,
        exists: true,
        external: true,
      });
    });

    it('when a cluster exists outside and DATA_DIR has become reachable, then the existing cluster is kept', () => {
      const { parent, dataDir, serverDir, externalRoot } = layout('became-reachable', 0o700);
      const outside = path.join(externalHome(dataDir, externalRoot), 'pgdata');
      makeCluster(outside);
      fs.chmodSync(parent, 0o755);
      expect(planCluster(serverDir, dataDir, postgres, externalRoot)).toMatchObject({
        clusterDir: outside,
        exists: true,
      });
    });

    it('when clusters exist in both places, then the one in DATA_DIR wins', () => {
      const { dataDir, serverDir, externalRoot, inside } = layout('both', 0o755);
      makeCluster(inside);
      makeCluster(path.join(externalHome(dataDir, externalRoot), 'pgdata'));
      expect(planCluster(serverDir, dataDir, postgres, externalRoot)).toMatchObject({
        clusterDir: inside,
        exists: true,
        external: false,
      });
    });

    it('when the cluster in DATA_DIR has become unreachable, then it stops naming DATA_DIR and the directory to open', () => {
      const { parent, dataDir, serverDir, externalRoot, inside } = layout('became-unreachable', 0o755);
      makeCluster(inside);
      fs.chmodSync(parent, 0o700);
      expect(() => planCluster(serverDir, dataDir, postgres, externalRoot)).toThrow(StartError);
      expect(() => planCluster(serverDir, dataDir, postgres, externalRoot)).toThrow(
        `DATA_DIR: the postgres user cannot enter ${parent}, where the PostgreSQL data ${inside} lives (chmod o+x ${parent})`,
      );
    });
  });

  it('when two DATA_DIRs differ, then so do their outside folders; one reached through a symlink shares its own', () => {
    const { dataDir, externalRoot } = layout('hash-a', 0o755);
    const other = layout('hash-b', 0o755);
    const link = path.join(tmp, 'link-to-a');
    fs.symlinkSync(dataDir, link);
    expect(externalHome(dataDir, externalRoot)).not.toBe(externalHome(other.dataDir, externalRoot));
    expect(externalHome(link, externalRoot)).toBe(externalHome(dataDir, externalRoot));
  });
});

if (!isRoot) console.warn('SKIPPED the as-root cases of tests/db/data-location.test.ts: they need root');
