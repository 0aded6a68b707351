#!/usr/bin/env node
// @ts-check
// `npm run build` (and the first step of `npm start`): compiles server/ into dist/ with esbuild, unless dist/ was
// built from exactly the sources there now. Plain JavaScript, so that checking costs a node start and a hash
// (~0.1 s) and not a TypeScript loader (tsx: +0.5 s).
//
// esbuild, not tsc: it translates each file on its own in ~0.2 s where tsc takes 4–6 s to check and emit the whole
// program (its --noCheck saves almost nothing), which kept the first start after `npm ci` above 10 s. Types are
// checked where they protect us: `npm test` (and so CI) runs `tsc --noEmit` on everything, and a type error never
// reaches main. A syntax error still fails the build here. Same output shape as tsc gave: CommonJS, one .js per .ts,
// dist/server/… (server/cli/ is run by tsx and not built).
//
// dist/.build-stamp.json, written after a successful build only, records
// - the SHA-256 of every file under server/ and of tsconfig.json, tsconfig.build.json, package.json,
//   package-lock.json, plus the esbuild version: any change to any of them (content, not mtime) rebuilds;
// - the size and mtime of every file written under dist/: an output deleted or changed by hand rebuilds too.
// The stamp is removed before the build runs, so a failed or interrupted build never counts as up to date.
// When a source was added, removed or renamed, or the outputs do not match the stamp, dist/ is emptied first, so
// no compiled file of a deleted source survives (node would load a stale foo.js before a new foo/index.js).
// Two builds at once (two `npm start` in one checkout) take turns on dist/.build-lock.
//
//   node server/cli/build-if-changed.mjs            build if needed
//   node server/cli/build-if-changed.mjs --force    always build from an empty dist/
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');
const lockDir = path.join(dist, '.build-lock');
/** Ours, in dist/, not compiled outputs. */
const bookkeeping = new Set([path.basename(stampFile), path.basename(lockDir)]);
const configFiles = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const STAMP_VERSION = 2;
const require = createRequire(path.join(root, 'package.json'));
/** @type {typeof import('esbuild')} */
const esbuild = require('esbuild');

/** @param {string} dir @param {string} [base] @returns {string[]} files under dir, relative to base, sorted */
function walk(dir, base = root) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} at */
  const visit = (at) => {
    let entries;
    try {
      entries = fs.readdirSync(at, { withFileTypes: true });
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(path.relative(base, full));
    }
  };
  visit(dir);
  return files.sort();
}

/** @param {string} file */
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** @param {string} file @returns {string | null} */
function sha256IfPresent(file) {
  try {
    return sha256(file);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return null;
    throw error;
  }
}

/** What dist/ must have been built from. */
function inputs() {
  /** @type {Record<string, string>} */
  const sources = {};
  for (const file of walk(path.join(root, 'server'))) sources[file] = sha256(path.join(root, file));
  /** @type {Record<string, string | null>} */
  const config = {};
  for (const file of configFiles) config[file] = sha256IfPresent(path.join(root, file));
  return { version: STAMP_VERSION, esbuild: esbuild.version, config, sources };
}

/** @returns {Record<string, [number, number]>} every output of the build under dist/: [size, mtime in ms] */
function outputs() {
  /** @type {Record<string, [number, number]>} */
  const found = {};
  for (const file of walk(dist, dist)) {
    if (bookkeeping.has(file.split(path.sep)[0] ?? '')) continue;
    const stat = fs.statSync(path.join(dist, file));
    found[file] = [stat.size, stat.mtimeMs];
  }
  return found;
}

/** @returns {{ inputs: ReturnType<typeof inputs>, outputs: Record<string, [number, number]> } | null} */
function readStamp() {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    return stamp?.inputs?.version === STAMP_VERSION ? stamp : null;
  } catch {
    return null;
  }
}

/** @param {unknown} a @param {unknown} b */
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * @param {ReturnType<typeof inputs>} now
 * @returns {{ build: false } | { build: true, clean: boolean, why: string }}
 */
function decide(now, force = false) {
  if (force) return { build: true, clean: true, why: '--force' };
  const stamp = readStamp();
  if (!stamp) return { build: true, clean: true, why: 'no completed build in dist/' };
  if (!same(outputs(), stamp.outputs))
    return { build: true, clean: true, why: 'dist/ was changed since its build' };
  const before = Object.keys(stamp.inputs.sources);
  const after = Object.keys(now.sources);
  if (!same(before, after)) {
    const added = after.filter((file) => !(file in stamp.inputs.sources));
    const removed = before.filter((file) => !(file in now.sources));
    const names = [...added.map((f) => `+${f}`), ...removed.map((f) => `-${f}`)];
    return { build: true, clean: true, why: `files added or removed: ${list(names)}` };
  }
  const changed = [
    ...after.filter((file) => stamp.inputs.sources[file] !== now.sources[file]),
    ...configFiles.filter((file) => stamp.inputs.config[file] !== now.config[file]),
    ...(stamp.inputs.esbuild === now.esbuild ? [] : [`esbuild ${now.esbuild}`]),
  ];
  if (changed.length > 0) return { build: true, clean: false, why: `changed: ${list(changed)}` };
  return { build: false };
}

/** @param {string[]} names */
const list = (names) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

/** Empties dist/ but for the lock. */
function emptyDist() {
  for (const entry of fs.readdirSync(dist)) {
    if (entry !== path.basename(lockDir)) fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
  }
}

/** Waits for another build in this checkout (its pid in the lock) to end; takes over a dead one's lock. */
function lock() {
  fs.mkdirSync(dist, { recursive: true });
  const owner = path.join(lockDir, 'pid');
  for (let waited = 0; ; waited += 200) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(owner, String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    let pid = 0;
    try {
      pid = Number(fs.readFileSync(owner, 'utf8').trim()) || 0;
    } catch {
      // The lock was just taken (no pid yet) or just released: look again.
    }
    let alive = false;
    try {
      alive = pid > 0 && process.kill(pid, 0);
    } catch (error) {
      alive = /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
    }
    // A lock with no pid yet is being taken right now; one with a dead owner is stale after a moment.
    if ((!alive && pid > 0) || waited > 120_000) fs.rmSync(lockDir, { recursive: true, force: true });
    else if (waited % 5000 === 0) console.log(`build: waiting for another build (pid ${pid || '?'})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

function main() {
  const started = Date.now();
  const force = process.argv.includes('--force');
  const release = lock();
  try {
    const now = inputs();
    const decision = decide(now, force);
    if (!decision.build) {
      console.log(
        `build: dist/ is up to date (${Object.keys(now.sources).length} files checked in ${Date.now() - started} ms)`,
      );
      return 0;
    }
    console.log(`build: compiling server/ with esbuild (${decision.why})`);
    fs.rmSync(stampFile, { force: true });
    if (decision.clean) emptyDist();
    const entryPoints = Object.keys(now.sources).filter(
      (file) =>
        file.endsWith('.ts') &&
        !file.endsWith('.d.ts') &&
        !file.startsWith(`server${path.sep}cli${path.sep}`),
    );
    try {
      esbuild.buildSync({
        entryPoints,
        outdir: dist,
        outbase: root,
        absWorkingDir: root,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'silent',
      });
    } catch (error) {
      const failure = /** @type {{ errors?: import('esbuild').Message[] }} */ (error);
      for (const message of failure.errors ?? []) {
        const where = message.location ? `${message.location.file}:${message.location.line}: ` : '';
        console.error(`${where}${message.text}`);
      }
      console.error('build: esbuild failed; dist/ is not up to date');
      return 1;
    }
    // The inputs hashed before the build ran: a source edited during the build makes the next start build again.
    const partial = `${stampFile}.${process.pid}`;
    fs.writeFileSync(partial, JSON.stringify({ inputs: now, outputs: outputs() }));
    fs.renameSync(partial, stampFile);
    console.log(`build: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    release();
  }
}

process.exitCode = main();
