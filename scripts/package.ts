// npm run package: the archives BlueKing imports, from dist/'s executables (built first when
// needed) and descriptors generated from the metric catalog and flag table.
//   dist/sys-exporter-<version>-linux-x86_64.zip    BlueKing 5.1 component (exporter-linux)
//   dist/sys-exporter-<version>-windows-x86_64.zip  BlueKing 5.1 component (exporter-windows.exe)
//   dist/sys-exporter-<version>-linux-aarch64.tar.gz exporter-linux-arm64 with install.sh and the unit
//   dist/sys_exporter-<version>.tgz                 bk-monitor plugin: Linux x86-64 and aarch64, Windows
//   dist/SHA256SUMS
// Descriptions in Chinese; `npm run package -- --lang=en` writes the same archives in English,
// named with -en (and SHA256SUMS.en), for platforms set up in English.
// Reproducible: fixed timestamps, fixed modes, entries in a fixed order.
import { createWriteStream, readFileSync } from 'node:fs';
import { atomically, sha256File, writeAtomic } from './lib/files';
import { basename, join } from 'node:path';
import type { Archiver } from 'archiver';
import type { Lang } from '../src/metrics/catalog';
import { DEFAULT_PORT } from '../src/cli';
import { VERSION } from '../src/version';
import {
  bkVersion, configJson, configSchema51, descriptionMd, info51, metaYaml, metricsJson, PLUGIN_ID, releaseMd, type Os,
} from './descriptors';
import { ARTIFACTS, DIST, dist, SERVICE_HOST } from './dist';
import { fail, ROOT, size, step } from './lib/steps';

/** Every entry's timestamp: fixed, so that two builds of one commit are byte-identical. */
const FIXED_DATE = new Date('2020-01-01T00:00:00Z');

export interface Entry {
  readonly name: string;
  readonly data: Buffer;
  readonly mode: number;
}

const file = (name: string, data: Buffer | string, mode = 0o644): Entry => ({
  name,
  data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
  mode,
});
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** The archives of one language: the Chinese ones carry no suffix. */
export function archives(lang: Lang): { zips: Record<Os, string>; arm64: string; tgz: string; sums: string } {
  const sfx = lang === 'zh' ? '' : `-${lang}`;
  return {
    zips: {
      linux: join(DIST, `sys-exporter-${VERSION}-linux-x86_64${sfx}.zip`),
      windows: join(DIST, `sys-exporter-${VERSION}-windows-x86_64${sfx}.zip`),
    },
    // No descriptions inside: the same archive for every language.
    arm64: join(DIST, `sys-exporter-${VERSION}-linux-aarch64.tar.gz`),
    tgz: join(DIST, `${PLUGIN_ID}-${VERSION}${sfx}.tgz`),
    sums: join(DIST, `SHA256SUMS${lang === 'zh' ? '' : `.${lang}`}`),
  };
}
export const { zips: ZIPS, arm64: ARM64_TGZ, tgz: TGZ, sums: SUMS } = archives('zh');

const packagingFile = (...p: string[]): Buffer => readFileSync(join(ROOT, 'packaging', ...p));

/**
 * A packaging file with its {{PORT}} filled in from the CLI's default, so that the port is
 * written once (src/cli.ts). Batch and settings files for Windows get CRLF line ends, as cmd.exe
 * expects (labels and goto misbehave with LF).
 */
function templated(name: string, mode: number, ...path: string[]): Entry {
  const text = packagingFile(...path).toString('utf8').replace(/\{\{PORT\}\}/g, String(DEFAULT_PORT));
  return file(name, name.endsWith('.bat') || name.endsWith('.yml') ? text.replace(/\r?\n/g, '\r\n') : text, mode);
}
const windowsSettings = (): Entry => templated('sys-exporter.yml', 0o644, 'windows', 'sys-exporter.yml');
const installSh = (name = 'install.sh'): Entry => templated(name, 0o755, 'linux', 'install.sh');
const batchFile = (name: string): Entry => templated(name, 0o644, 'windows', name);

/** The 5.1 component zip for one OS: binary first, then descriptors, sorted. */
export function zipEntries(os: Os, lang: Lang): Entry[] {
  const binary = os === 'linux' ? file('exporter-linux', readFileSync(ARTIFACTS.linux), 0o755) : file('exporter-windows.exe', readFileSync(ARTIFACTS.windows), 0o755);
  const rest = [
    file('info.json', json(info51(lang))),
    file('metrics.json', json(metricsJson('5.1', lang))),
    file('config_schema.json', json(configSchema51(lang))),
    file('description.md', descriptionMd(lang)),
    file('logo.png', packagingFile('logo.png')),
  ];
  if (os === 'linux') {
    rest.push(file('sys-exporter.service', packagingFile('systemd', 'sys-exporter.service')));
    rest.push(installSh());
  } else {
    // What makes the exe a real Windows service (see install-service.bat).
    rest.push(file('sys-exporter-service.exe', readFileSync(SERVICE_HOST), 0o755), windowsSettings());
    rest.push(batchFile('install-service.bat'), batchFile('uninstall-service.bat'));
  }
  return [binary, ...rest.sort((a, b) => a.name.localeCompare(b.name))];
}

/** The Linux aarch64 release: one folder with the binary, install.sh and the systemd unit. */
export function arm64Entries(): Entry[] {
  const dir = `sys-exporter-${VERSION}-linux-aarch64`;
  return [
    file(`${dir}/exporter-linux-arm64`, readFileSync(ARTIFACTS.linuxArm64), 0o755),
    installSh(`${dir}/install.sh`),
    file(`${dir}/sys-exporter.service`, packagingFile('systemd', 'sys-exporter.service')),
  ];
}

/** bk-monitor's OS folders and the executable each one carries. */
const TGZ_FOLDERS = [
  { dir: 'external_plugins_linux_x86_64', binary: 'linux', ext: '' },
  { dir: 'external_plugins_linux_aarch64', binary: 'linuxArm64', ext: '' },
  { dir: 'external_plugins_windows_x86_64', binary: 'windows', ext: '.exe' },
] as const;

/** The bk-monitor tgz: per OS folder, the binary before everything else (the importer takes the first match). */
export function tgzEntries(lang: Lang): Entry[] {
  // The importer keeps one copy of each info/ file for the whole plugin: one set, in both folders.
  const shared = [
    file('VERSION', `${bkVersion()}\n`),
    file('info/meta.yaml', metaYaml(lang)),
    file('info/config.json', json(configJson(lang))),
    file('info/metrics.json', json(metricsJson('bkmonitor', lang))),
    file('info/description.md', descriptionMd(lang)),
    file('info/logo.png', packagingFile('logo-square.png')),
    file('info/release.md', releaseMd(lang)),
  ].sort((a, b) => a.name.localeCompare(b.name));
  const out: Entry[] = [];
  for (const f of TGZ_FOLDERS) {
    const dir = `${f.dir}/${PLUGIN_ID}`;
    out.push(file(`${dir}/${PLUGIN_ID}${f.ext}`, readFileSync(ARTIFACTS[f.binary]), 0o755));
    out.push(...shared.map((e) => ({ ...e, name: `${dir}/${e.name}` })));
  }
  return out;
}

/** Writes entries, in the order given, to `path` via a temporary file (no half-written archive). */
export async function writeArchive(path: string, format: 'zip' | 'tgz', entries: readonly Entry[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const archiver = require('archiver') as (f: string, o: object) => Archiver;
  // Level 6: half the time of 9 for 0.5 % more bytes on these binaries.
  const archive = format === 'zip' ? archiver('zip', { zlib: { level: 6 } }) : archiver('tar', { gzip: true, gzipOptions: { level: 6 } });
  await atomically(path, async (tmp) => {
    const out = createWriteStream(tmp);
    const done = new Promise<void>((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
      archive.on('error', reject);
      archive.on('warning', reject);
    });
    archive.pipe(out);
    for (const e of entries) archive.append(e.data, { name: e.name, date: FIXED_DATE, mode: e.mode });
    await archive.finalize();
    await done;
  });
}

export async function packageAll(lang: Lang = 'zh'): Promise<void> {
  await dist();
  const t0 = Date.now();
  const out = archives(lang);
  for (const os of ['linux', 'windows'] as const) {
    await step(`zip ${basename(out.zips[os])}`, async () => {
      await writeArchive(out.zips[os], 'zip', zipEntries(os, lang));
      return size(out.zips[os]);
    });
  }
  await step(`tgz ${basename(out.tgz)}`, async () => {
    await writeArchive(out.tgz, 'tgz', tgzEntries(lang));
    return size(out.tgz);
  });
  await step(`tar.gz ${basename(out.arm64)}`, async () => {
    await writeArchive(out.arm64, 'tgz', arm64Entries());
    return size(out.arm64);
  });
  const artifacts = [ARTIFACTS.linux, ARTIFACTS.linuxArm64, ARTIFACTS.windows, out.zips.linux, out.zips.windows, out.arm64, out.tgz];
  const sums = artifacts.map((a) => `${sha256File(a)}  ${basename(a)}\n`).join('');
  writeAtomic(out.sums, sums);
  process.stdout.write(`package: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${sums}`);
}

if (require.main === module) {
  const arg = process.argv.slice(2).find((a) => a.startsWith('--lang'));
  const lang = arg === undefined ? 'zh' : arg.replace(/^--lang=?/, '') || process.argv[process.argv.indexOf(arg) + 1];
  if (lang !== 'zh' && lang !== 'en') fail(`--lang: "${lang}" is not zh or en`);
  packageAll(lang).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
}
