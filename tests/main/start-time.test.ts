// `npm start` builds only when something changed: server/cli/build-if-changed.mjs run for real (real esbuild) on a
// copy of the sources, so this checkout's dist/ is never touched. A second build with nothing changed compiles
// nothing and leaves every file of dist/ as it was; an edit rebuilds; a deleted source leaves no compiled file behind;
// an output deleted by hand is rebuilt; a failed build is never taken as up to date.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, '..', '..');
const helper = path.join('server', 'cli', 'build-if-changed.mjs');

/** server/, the configuration the build hashes, and node_modules linked: what the build needs. */
function copySources(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-build-'));
  fs.cpSync(path.join(projectRoot, 'server'), path.join(root, 'server'), { recursive: true });
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(projectRoot, file), path.join(root, file));
  }
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** Every file under dir/ with its mtime (ns) and content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) visit(full);
      else {
        const stat = fs.statSync(full, { bigint: true });
        files.set(path.relative(dir, full), `${stat.mtimeNs} ${fs.readFileSync(full, 'base64')}`);
      }
    }
  };
  visit(dir);
  return files;
}

describe('the build of npm start (server/cli/build-if-changed.mjs)', () => {
  const root = copySources();
  const dist = path.join(root, 'dist');
  const build = async () => {
    try {
      const { stdout, stderr } = await run(process.execPath, [helper], { cwd: root });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, output: failed.stdout + failed.stderr };
    }
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('when npm start and npm run build run, then both go through the helper before anything else', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.build).toBe(`node ${helper}`);
    expect(scripts.start).toMatch(
      new RegExp(
        `^node ${helper.replace(/\./g, '\\.')} && .*node (?:--[a-z-]+=\\d+ )*dist/server/main\\.js$`,
      ),
    );
  });

  it('when dist/ is missing, then esbuild builds it; run again with nothing changed, it compiles nothing and changes nothing', async () => {
    const first = await build();
    expect(first).toMatchObject({
      code: 0,
      output: expect.stringContaining('build: compiling server/ with esbuild') as unknown,
    });
    expect(fs.existsSync(path.join(dist, 'server', 'main.js'))).toBe(true);
    const before = snapshot(dist);

    const second = await build();
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/^build: dist\/ is up to date \(\d+ files checked in \d+ ms\)\n$/);
    expect(second.output).not.toContain('compiling');
    expect(snapshot(dist)).toEqual(before); // not one file rewritten, not even the stamp
  }, 180_000);

  it('when a file is only touched (same content), then it is still up to date: sources are compared by content', async () => {
    const before = snapshot(dist);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, 'server', 'app.ts'), later, later);
    expect((await build()).output).toContain('build: dist/ is up to date');
    expect(snapshot(dist)).toEqual(before);
  });

  it('when a source is edited and another added, then esbuild rebuilds dist/ with both', async () => {
    fs.appendFileSync(path.join(root, 'server', 'app.ts'), '\nexport const editedForTheBuildTest = 1;\n');
    fs.writeFileSync(path.join(root, 'server', 'zz-extra.ts'), 'export const extra = 1;\n');
    const rebuilt = await build();
    expect(rebuilt).toMatchObject({ code: 0 });
    expect(rebuilt.output).toContain(
      'build: compiling server/ with esbuild (files added or removed: +server/zz-extra.ts)',
    );
    expect(fs.readFileSync(path.join(dist, 'server', 'app.js'), 'utf8')).toContain('editedForTheBuildTest');
    expect(fs.existsSync(path.join(dist, 'server', 'zz-extra.js'))).toBe(true);
    expect((await build()).output).toContain('up to date');
  }, 180_000);

  it('when a source is deleted, then no compiled file of it is left in dist/', async () => {
    fs.rmSync(path.join(root, 'server', 'zz-extra.ts'));
    const rebuilt = await build();
    expect(rebuilt).toMatchObject({
      code: 0,
      output: expect.stringContaining('-server/zz-extra.ts') as unknown,
    });
    expect(fs.existsSync(path.join(dist, 'server', 'zz-extra.js'))).toBe(false);
    expect(fs.existsSync(path.join(dist, 'server', 'main.js'))).toBe(true);
  }, 180_000);

  it('when a compiled file was deleted from dist/, then it is rebuilt', async () => {
    const routes = path.join(dist, 'server', 'health', 'routes.js');
    fs.rmSync(routes);
    const rebuilt = await build();
    expect(rebuilt.output).toContain(
      'build: compiling server/ with esbuild (dist/ was changed since its build)',
    );
    expect(rebuilt.code).toBe(0);
    expect(fs.existsSync(routes)).toBe(true);
  }, 180_000);

  it('when a source fails to compile, then the build fails, npm start stops there, and it is never taken as up to date', async () => {
    fs.appendFileSync(path.join(root, 'server', 'app.ts'), '\nexport const broken = ;\n');
    const failed = await build();
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain('server/app.ts');
    expect(failed.output).toContain('build: esbuild failed');
    expect(fs.existsSync(path.join(dist, '.build-stamp.json'))).toBe(false);
    const again = await build(); // built again, not "up to date" with what the failed build emitted
    expect(again.code).not.toBe(0);
    expect(again.output).toContain('build: compiling server/ with esbuild');
  }, 180_000);
});
