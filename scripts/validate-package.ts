// npm run validate-package [files...]: opens each archive as BlueKing's importers do and checks
// every rule of the two formats (see ../shared/blueking-plugin-format.md). Independent of the
// generator on purpose: it judges what is in the archive, not what we meant to put there.
// Exits 1 with one line per violation.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import YAML from 'yaml';
import { readTar, readZip, type ArchiveEntry } from './lib/archive-read';
import { DEFAULT_PORT } from '../src/cli';
import { TGZ, ZIPS } from './package';
import { windowsVersionStrings } from './dist';
import { versionStrings } from './lib/pe-version';
import { ruledOut } from '../src/metrics/glossary';

const RESERVED_DIMENSIONS = new Set([
  'bk_target_ip', 'bk_target_cloud_id', 'bk_target_topo_level', 'bk_target_topo_id', 'bk_target_service_category_id',
  'bk_target_service_instance_id', 'bk_collect_config_id', 'bk_target_host_id', 'bk_host_id', 'time', 'bk_biz_id',
  'bk_supplier_id', 'bk_cloud_id', 'ip', 'bk_cmdb_level', 'bk_agent_id',
]);
const UNITS = new Set(['none', 'percent', 'percentunit', 'bytes', 'decbytes', 'bits', 'decbits', 'short', 's', 'ms', 'µs', 'ns', 'm', 'h', 'd', 'ops', 'reqps', 'Bps', 'bps']);
const LABELS = new Set(['os', 'host_process', 'host_device', 'component', 'service_process', 'service_module', 'application_check', 'uptimecheck', 'apm', 'hardware_device', 'other_rt', 'kubernetes']);
const OS_DIRS = new Set(['external_plugins_linux_x86_64', 'external_plugins_windows_x86_64', 'external_plugins_linux_aarch64']);
const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
// bk-monitor constants/result_table.py: words refused as table names (RT_TABLE_NAME_WORD_EXACT)
// and as field names (RT_RESERVED_WORD_EXACT), compared in upper case.
const RESERVED_TABLE_NAMES = new Set(('ALL ALTER ANALYZE ANY AS ASC BEGIN BY CREATE CONTINUOUS DATABASE DATABASES DEFAULT DELETE DESC ' +
  'DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXPLAIN FIELD FOR FROM GRANT GRANTS GROUP GROUPS IN INF INSERT INTO ' +
  'KEY KEYS KILL LIMIT SHOW MEASUREMENT MEASUREMENTS NAME OFFSET ON ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ ' +
  'REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHARD SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION SUBSCRIPTIONS TAG TO ' +
  'USER USERS VALUES WHERE WITH WRITE').split(' '));
const RESERVED_FIELD_NAMES = new Set(('SERVER REPO VIEW TAGKEY ILLEGAL EOF WS IDENT BOUNDPARAM NUMBER INTEGER DURATIONVAL STRING ' +
  'BADSTRING BADESCAPE TRUE FALSE REGEX BADREGEX ADD SUB MUL DIV AND OR EQ NEQ EQREGEX NEQREGEX LT LTE GT GTE LPAREN RPAREN COMMA ' +
  'COLON DOUBLECOLON SEMICOLON DOT ALL ALTER ANY AS ASC BEGIN BY CREATE CONTINUOUS DATABASE DATABASES DEFAULT DELETE DESC ' +
  'DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXISTS EXPLAIN FIELD FOR FROM GROUP GROUPS IF IN INF INSERT INTO KEY ' +
  'KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME NOT OFFSET ON ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ ' +
  'REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHOW SHARD SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION SUBSCRIPTIONS TAG ' +
  'TO TIME VALUES WHERE WITH WRITE TIMESTAMP BK_BIZ_ID IP PLAT_ID BK_CLOUD_ID CLOUD_ID COMPANY_ID BK_SUPPLIER_ID GRANT').split(' '));
/**
 * Characters a parameter value may hold: BK_CMD_ARGS is expanded unquoted by start.sh (spaces
 * split, * ? [ glob, $ and ` are evaluated by parse_yaml's eval) and put on a cmd.exe line by
 * start.bat (| & < > ^ ( ) split or redirect, ! is eaten by delayed expansion, % expands).
 * ${host} and ${port} are substituted before either sees the value.
 */
const SAFE_VALUE = /^[A-Za-z0-9/._:,%+=-]*$/;
/** What a parameter value looks like once the platform has substituted its own variables. */
const rendered = (v: string): string => v.replace(/\$\{host\}/g, '127.0.0.1').replace(/\$\{port\}/g, String(DEFAULT_PORT));
/** Parameters that can only break collection: the platform always scrapes /metrics. */
const FIXED_BY_PLATFORM = new Set(['--web.telemetry-path']);

type Report = (msg: string) => void;

const isElf = (b: Buffer): boolean => b.length > 4 && b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
const isMz = (b: Buffer): boolean => b.length > 2 && b.toString('latin1', 0, 2) === 'MZ';
/**
 * A Windows executable's version resource names sys-exporter (not the Node.js it is built on),
 * its file name and this version: what Task Manager, a firewall prompt and an EDR read.
 */
export function checkVersionResource(pe: Buffer, where: string, file: 'exporter-windows.exe' | 'sys-exporter-service.exe', bad: Report): void {
  let got: Record<string, string> | undefined;
  try {
    got = versionStrings(pe);
  } catch (err) {
    return bad(`${where}: unreadable version resource (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!got) return; // cut short before its resources: the tests' small copies, not an archive
  const want = windowsVersionStrings(file);
  for (const [k, v] of Object.entries(want)) if (got[k] !== v) bad(`${where}: version resource ${k} is ${JSON.stringify(got[k] ?? null)}, not ${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(got)) if (/node\.?js|node\.exe/i.test(v)) bad(`${where}: version resource ${k} names Node.js ("${v}")`);
}

/** The CPU an executable is for: ELF e_machine or the PE header's Machine field. */
function machine(b: Buffer): string {
  if (isElf(b) && b.length > 20) return ({ 62: 'x86_64', 183: 'aarch64' } as Record<number, string>)[b.readUInt16LE(18)] ?? `ELF machine ${b.readUInt16LE(18)}`;
  const pe = isMz(b) && b.length > 0x40 ? b.readUInt32LE(0x3c) : -1;
  if (pe > 0 && pe + 6 <= b.length) return ({ 0x8664: 'x86_64', 0xaa64: 'aarch64' } as Record<number, string>)[b.readUInt16LE(pe + 4)] ?? `PE machine ${b.readUInt16LE(pe + 4)}`;
  return 'unknown';
}

function parseJson(e: ArchiveEntry | undefined, what: string, bad: Report): unknown {
  if (!e) return undefined;
  try {
    return JSON.parse(e.data.toString('utf8'));
  } catch (err) {
    bad(`${what}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

const str = (v: unknown): v is string => typeof v === 'string';

/** metrics.json rules shared by both formats; `types` are the field types the format allows. */
function checkMetrics(doc: unknown, where: string, types: readonly string[], bad: Report): void {
  if (!Array.isArray(doc) || doc.length === 0) return bad(`${where}: must be a non-empty list of tables`);
  const metrics = new Set<string>();
  const dims = new Set<string>();
  for (const [i, t] of doc.entries()) {
    const at = `${where}[${i}]`;
    if (typeof t !== 'object' || t === null) { bad(`${at}: not an object`); continue; }
    const table = t as Record<string, unknown>;
    if (!str(table.table_name) || !TABLE_NAME.test(table.table_name) || table.table_name.length > 15) bad(`${at}: table_name ${JSON.stringify(table.table_name)} must match ${TABLE_NAME} and have at most 15 characters`);
    if (!str(table.table_desc) || table.table_desc.length === 0 || table.table_desc.length > 15) bad(`${at}: table_desc must be 1 to 15 characters (an empty one silently empties the whole metric list)`);
    if (str(table.table_name) && RESERVED_TABLE_NAMES.has(table.table_name.toUpperCase())) bad(`${at}: table_name "${table.table_name}" is a word BlueKing reserves`);
    if (!Array.isArray(table.fields) || table.fields.length === 0) { bad(`${at}: fields must be a non-empty list`); continue; }
    for (const f of table.fields as Array<Record<string, unknown>>) {
      const name = f?.name;
      const fat = `${at} field ${JSON.stringify(name)}`;
      if (!str(name) || name.length === 0 || name.length > 50) bad(`${fat}: name must be 1 to 50 characters`);
      else if (RESERVED_FIELD_NAMES.has(name.toUpperCase())) bad(`${fat}: "${name}" is a word BlueKing reserves`);
      if (!types.includes(f.type as string)) bad(`${fat}: type ${JSON.stringify(f.type)} is not one of ${types.join(', ')}`);
      if (!str(f.description) || f.description.length > 15) bad(`${fat}: description must be a string of at most 15 characters`);
      if (f.is_diff_metric !== undefined && typeof f.is_diff_metric !== 'boolean') bad(`${fat}: is_diff_metric must be true or false`);
      if (f.monitor_type === 'metric') {
        if (!UNITS.has(f.unit as string)) bad(`${fat}: unit ${JSON.stringify(f.unit)} is not a unit BlueKing knows`);
        if (metrics.has(name as string)) bad(`${fat}: metric name appears twice`);
        metrics.add(name as string);
      } else if (f.monitor_type === 'dimension') {
        if (RESERVED_DIMENSIONS.has(name as string)) bad(`${fat}: "${String(name)}" is a reserved dimension name`);
        dims.add(name as string);
      } else {
        bad(`${fat}: monitor_type must be metric or dimension`);
      }
    }
  }
  for (const m of metrics) if (dims.has(m)) bad(`${where}: "${m}" is both a metric and a dimension`);
}

/** Rules on one form parameter that both formats share. */
function checkParam(p: Record<string, unknown>, at: string, bad: Report): void {
  if (!str(p.name) || !p.name || p.name.length > 50) bad(`${at}: name must be 1 to 50 characters`);
  if (!str(p.description) || !p.description || p.description.length > 50) bad(`${at}: description must be 1 to 50 characters`);
  if (!('default' in p) || !str(p.default)) bad(`${at}: no default (a string)`);
  else if (!SAFE_VALUE.test(rendered(p.default))) bad(`${at}: default ${JSON.stringify(p.default)} has characters that start.sh or start.bat mangle (allowed: ${SAFE_VALUE.source})`);
  if (str(p.name) && FIXED_BY_PLATFORM.has(p.name)) bad(`${at}: the platform always scrapes /metrics; this parameter can only break collection`);
  if (p.type === 'switch' && p.default !== 'true' && p.default !== 'false') bad(`${at}: a switch's default must be "true" or "false"`);
}

/**
 * The 5.1 format's logo is 155x65. bk-monitor's shows it at 78x78 (stretched) and at 32x32
 * (background-size: cover, cropped to the middle): there it must be square, 78 pixels or more.
 */
function checkLogo(e: ArchiveEntry | undefined, where: string, shape: '5.1' | 'square', bad: Report): void {
  if (!e) return;
  const b = e.data;
  if (b.length < 24 || !b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return bad(`${where}: not a PNG image`);
  const w = b.readUInt32BE(16);
  const h = b.readUInt32BE(20);
  if (shape === '5.1' && (w !== 155 || h !== 65)) bad(`${where}: ${w}x${h}, must be 155x65`);
  if (shape === 'square' && (w !== h || w < 78 || w > 512)) bad(`${where}: ${w}x${h}; bk-monitor shows it square at 78x78 and 32x32 (cropped to the middle): make it square, 78 to 512 pixels`);
}

/**
 * A bk-monitor form parameter's label (the form shows `alias || name`: without one, operators
 * read --collector.disk.skip-mount-points), in the language of its description.
 */
function checkAlias(p: Record<string, unknown>, at: string, bad: Report): void {
  if (p.visible === false) return;
  if (!str(p.alias) || !p.alias.trim()) return bad(`${at}: no alias: the collection form would show the raw name`);
  if (p.alias.length > 20) bad(`${at}: alias "${p.alias}" is longer than 20 characters`);
  const cjk = /[\u4e00-\u9fff]/;
  if (str(p.description) && cjk.test(p.description) !== cjk.test(p.alias)) bad(`${at}: alias "${p.alias}" is not in the language of its description`);
}

/** Words of a Chinese descriptor that the glossary rules out (src/metrics/glossary.ts). */
function checkWording(text: string, where: string, bad: Report): void {
  for (const w of ruledOut(text)) bad(`${where}: ${w}`);
}

function checkZip51(buf: Buffer, bad: Report): void {
  let entries: ArchiveEntry[];
  try {
    entries = readZip(buf).filter((e) => !e.isDir);
  } catch (err) {
    return bad(`not a zip archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The 5.1 backend finds files by name anywhere in the zip: a name twice is ambiguous.
  const byName = new Map<string, ArchiveEntry>();
  for (const e of entries) {
    const n = basename(e.name);
    if (byName.has(n)) bad(`${n} appears more than once`);
    byName.set(n, e);
  }
  const linux = byName.get('exporter-linux');
  const windows = byName.get('exporter-windows.exe');
  if (!linux && !windows) bad('no exporter-linux or exporter-windows.exe');
  if (linux && !isElf(linux.data)) bad('exporter-linux is not an ELF executable');
  else if (linux && machine(linux.data) !== 'x86_64') bad(`exporter-linux is built for ${machine(linux.data)}, not x86_64`);
  if (linux && (linux.mode & 0o111) === 0) bad('exporter-linux is not executable (mode in the zip)');
  if (windows && !isMz(windows.data)) bad('exporter-windows.exe is not a Windows executable (no MZ header)');
  else if (windows) checkVersionResource(windows.data, 'exporter-windows.exe', 'exporter-windows.exe', bad);
  const host = byName.get('sys-exporter-service.exe');
  if (host) checkVersionResource(host.data, 'sys-exporter-service.exe', 'sys-exporter-service.exe', bad);
  for (const n of ['info.json', 'metrics.json', 'config_schema.json', 'description.md', 'logo.png']) if (!byName.has(n)) bad(`missing ${n}`);

  const info = parseJson(byName.get('info.json'), 'info.json', bad) as Record<string, unknown> | undefined;
  if (info) {
    if (!str(info.name) || !/^[A-Za-z0-9]+$/.test(info.name)) bad(`info.json: name ${JSON.stringify(info.name)} must be letters and digits only`);
    if (!str(info.display_name) || !info.display_name) bad('info.json: display_name is missing');
    if (!str(info.supported_version)) bad('info.json: supported_version is missing');
  }
  const metrics = parseJson(byName.get('metrics.json'), 'metrics.json', bad);
  if (byName.has('metrics.json') && metrics !== undefined) checkMetrics(metrics, 'metrics.json', ['long', 'double', 'string'], bad);

  const schema = parseJson(byName.get('config_schema.json'), 'config_schema.json', bad);
  if (schema !== undefined) {
    if (!Array.isArray(schema)) bad('config_schema.json: must be a list');
    else {
      const url = schema.find((p) => p?.name === '_exporter_url_');
      if (!url) bad('config_schema.json: no _exporter_url_ item');
      for (const p of schema as Array<Record<string, unknown>>) {
        const at = `config_schema.json ${JSON.stringify(p?.name)}`;
        if (!str(p.name) || p.name.length > 50) bad(`${at}: name must be at most 50 characters`);
        if (!['cmd', 'env', 'collector'].includes(p.mode as string)) bad(`${at}: mode ${JSON.stringify(p.mode)} is not cmd, env or collector`);
        if (p.mode === 'collector' && p.name !== '_exporter_url_') bad(`${at}: only _exporter_url_ may have mode collector`);
        if (!['text', 'password', 'file'].includes(p.type as string)) bad(`${at}: type ${JSON.stringify(p.type)} is not text, password or file`);
        checkParam(p, at, bad);
      }
      if (url) {
        const m = str(url.default) ? /^https?:\/\/([^/:]+)(:\d+)?\//.exec(url.default) : null;
        if (!m) bad(`config_schema.json: _exporter_url_ needs a default URL such as http://127.0.0.1:${DEFAULT_PORT}/metrics`);
        else if (!['127.0.0.1', 'localhost'].includes(m[1])) bad(`config_schema.json: _exporter_url_ host ${m[1]} must be 127.0.0.1 or localhost`);
        if (url.mode !== 'collector') bad('config_schema.json: _exporter_url_ must have mode collector');
      }
      const listen = schema.find((p) => p?.name === '--web.listen-address');
      if (listen && !/^(127\.0\.0\.1|localhost):\d+$/.test(String(listen.default))) bad('config_schema.json: --web.listen-address must default to 127.0.0.1 or localhost');
    }
  }
  checkLogo(byName.get('logo.png'), 'logo.png', '5.1', bad);
  for (const n of ['metrics.json', 'config_schema.json', 'description.md']) if (byName.has(n)) checkWording(byName.get(n)!.data.toString('utf8'), n, bad);
}

function checkTgz(buf: Buffer, bad: Report): void {
  if (!(buf[0] === 0x1f && buf[1] === 0x8b)) return bad('not a gzip tarball (bk-monitor opens uploads with tarfile only; a zip fails to parse)');
  let entries: ArchiveEntry[];
  try {
    entries = readTar(buf);
  } catch (err) {
    return bad(`not a tar archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  const files = entries.filter((e) => !e.isDir);
  const osDirs = [...new Set(files.map((e) => e.name.split('/')[0]))];
  if (osDirs.length === 0) bad('the archive is empty');
  for (const osDir of osDirs) {
    if (!OS_DIRS.has(osDir)) { bad(`${osDir}: not an OS folder BlueKing knows (${[...OS_DIRS].join(', ')}): "cannot parse plugin_id"`); continue; }
    const inOs = files.filter((e) => e.name.startsWith(`${osDir}/`));
    const ids = [...new Set(inOs.map((e) => e.name.split('/')[1]))];
    if (ids.length !== 1) { bad(`${osDir}: must hold exactly one plugin folder, has ${ids.join(', ')}`); continue; }
    const id = ids[0];
    const at = `${osDir}/${id}`;
    if (!TABLE_NAME.test(id) || id.length > 30 || id.startsWith('bkplugin_')) bad(`${at}: plugin id "${id}" must match ${TABLE_NAME}, have at most 30 characters, no "-", and not start with bkplugin_`);
    const get = (rel: string): ArchiveEntry | undefined => inOs.find((e) => e.name === `${at}/${rel}`);
    const windows = osDir.includes('windows');
    const binName = windows ? `${id}.exe` : id;
    const bin = get(binName);
    if (!bin) bad(`${at}: no binary ${binName}`);
    else {
      if (windows ? !isMz(bin.data) : !isElf(bin.data)) bad(`${at}/${binName}: not ${windows ? 'a Windows (MZ)' : 'an ELF'} executable`);
      const cpu = osDir.replace(/^external_plugins_[a-z]+_/, '');
      if (machine(bin.data) !== cpu) bad(`${at}/${binName}: built for ${machine(bin.data)}, the folder is for ${cpu}`);
      if (!windows && (bin.mode & 0o111) === 0) bad(`${at}/${binName}: not executable (mode in the tarball)`);
      if (windows && isMz(bin.data)) checkVersionResource(bin.data, `${at}/${binName}`, 'exporter-windows.exe', bad);
      // The importer takes the first path containing <os>/<id>/<id>: the binary must come first.
      if (inOs[0] !== bin) bad(`${at}: the binary must come before every other file of its folder (first is ${inOs[0].name})`);
    }
    const version = get('VERSION');
    if (!version) bad(`${at}: no VERSION`);
    else if (!/^\d+\.\d+$/.test(version.data.toString('utf8').trim())) bad(`${at}/VERSION: "${version.data.toString('utf8').trim()}" is not major.minor`);
    else if (Number(version.data.toString('utf8').split('.')[0]) < 1) bad(`${at}/VERSION: a major of 0 is read as config version 0, which the platform treats as unset`);

    const metaEntry = get('info/meta.yaml');
    if (!metaEntry) bad(`${at}: no info/meta.yaml`);
    else {
      let meta: unknown;
      try {
        meta = YAML.parse(metaEntry.data.toString('utf8'));
      } catch (err) {
        bad(`${at}/info/meta.yaml: not valid YAML (${err instanceof Error ? err.message : String(err)})`);
      }
      if (meta === null || meta === undefined || typeof meta !== 'object') bad(`${at}/info/meta.yaml: empty or not a mapping`);
      else {
        const m = meta as Record<string, unknown>;
        if (m.plugin_id !== id) bad(`${at}/info/meta.yaml: plugin_id ${JSON.stringify(m.plugin_id)} differs from the folder "${id}"`);
        if (!str(m.plugin_display_name) || !m.plugin_display_name || m.plugin_display_name.length > 64) bad(`${at}/info/meta.yaml: plugin_display_name must be 1 to 64 characters`);
        if (m.plugin_type !== 'Exporter') bad(`${at}/info/meta.yaml: plugin_type must be Exporter`);
        if (!LABELS.has(m.label as string)) bad(`${at}/info/meta.yaml: label ${JSON.stringify(m.label)} is not one BlueKing knows`);
        if (typeof m.is_support_remote !== 'boolean') bad(`${at}/info/meta.yaml: is_support_remote must be true or false`);
      }
    }

    const configEntry = get('info/config.json');
    if (!configEntry) bad(`${at}: no info/config.json (the importer crashes without it)`);
    const config = parseJson(configEntry, `${at}/info/config.json`, bad);
    if (configEntry && config !== undefined) {
      if (!Array.isArray(config)) bad(`${at}/info/config.json: must be a list`);
      else {
        for (const p of config as Array<Record<string, unknown>>) {
          const pat = `${at}/info/config.json ${JSON.stringify(p?.name)}`;
          if (!str(p.name) || !p.name) bad(`${pat}: no name`);
          if (!['collector', 'opt_cmd', 'pos_cmd', 'env'].includes(p.mode as string)) bad(`${pat}: mode ${JSON.stringify(p.mode)} is not collector, opt_cmd, pos_cmd or env`);
          if (!['text', 'password', 'switch', 'file', 'code', 'list'].includes(p.type as string)) bad(`${pat}: type ${JSON.stringify(p.type)} is not one BlueKing knows`);
          checkParam(p, pat, bad);
          checkAlias(p, pat, bad);
          const hidden = p.name === 'host' || p.name === 'port';
          if ('visible' in p && !hidden) bad(`${pat}: only host and port may carry "visible"`);
        }
        for (const n of ['host', 'port']) {
          const p = config.find((x) => x?.name === n);
          if (!p || p.mode !== 'collector' || p.visible !== false) bad(`${at}/info/config.json: needs a hidden parameter ${n} with mode collector and "visible": false`);
        }
        if (!config.some((p) => str(p?.default) && p.default.includes('${host}') && p.default.includes('${port}'))) bad(`${at}/info/config.json: no parameter's default contains both \${host} and \${port}`);
      }
    }
    const metricsEntry = get('info/metrics.json');
    if (!metricsEntry) bad(`${at}: no info/metrics.json (the importer crashes without it)`);
    const metrics = parseJson(metricsEntry, `${at}/info/metrics.json`, bad);
    if (metricsEntry && metrics !== undefined) checkMetrics(metrics, `${at}/info/metrics.json`, ['double', 'int', 'string'], bad);
    const release = get('info/release.md');
    if (release && release.data.toString('utf8').length > 100) bad(`${at}/info/release.md: more than 100 characters`);
    checkLogo(get('info/logo.png'), `${at}/info/logo.png`, 'square', bad);
    for (const n of ['metrics.json', 'config.json', 'description.md']) {
      const e = get(`info/${n}`);
      if (e) checkWording(e.data.toString('utf8'), `${at}/info/${n}`, bad);
    }
  }
  // The importer keeps one copy of each info/ file for the whole plugin, the last in archive
  // order: files that differ between OS folders lose all but one OS's version.
  const infos = new Map<string, ArchiveEntry>();
  for (const e of files) {
    const m = /^[^/]+\/[^/]+\/info\/(.+)$/.exec(e.name);
    if (!m) continue;
    const first = infos.get(m[1]);
    if (!first) infos.set(m[1], e);
    else if (!first.data.equals(e.data)) bad(`info/${m[1]} differs between ${first.name.split('/')[0]} and ${e.name.split('/')[0]}: the importer keeps only the last`);
  }
}

/** Every violation in one archive; the format is chosen by the file name, as the importers do. */
export function validate(path: string): string[] {
  const out: string[] = [];
  const bad: Report = (m) => out.push(`${basename(path)}: ${m}`);
  if (!existsSync(path)) return [`${basename(path)}: missing`];
  const buf = readFileSync(path);
  if (path.endsWith('.zip')) checkZip51(buf, bad);
  else if (path.endsWith('.tgz') || path.endsWith('.tar.gz')) checkTgz(buf, bad);
  else bad('neither a .zip (BlueKing 5.1) nor a .tgz (bk-monitor plugin)');
  return out;
}

if (require.main === module) {
  const files = process.argv.slice(2);
  const targets = files.length > 0 ? files : [ZIPS.linux, ZIPS.windows, TGZ];
  const violations = targets.flatMap(validate);
  for (const v of violations) process.stderr.write(`${v}\n`);
  if (violations.length > 0) {
    process.stderr.write(`validate-package: ${violations.length} violation(s)\n`);
    process.exit(1);
  }
  process.stdout.write(`validate-package: ${targets.map((t) => basename(t)).join(', ')} pass\n`);
}
