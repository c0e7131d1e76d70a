// --web.config.file: the exporter-toolkit format (TLS, basic auth, extra headers), so that files
// written for node_exporter and windows_exporter work unchanged.
import { readBounded } from '../read_file';
import { readYamlMapping, YamlFileError } from '../yaml_file';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** exporter-toolkit's allowlist: header -> allowed values (undefined: any value). */
const HEADER_ALLOWLIST: Record<string, readonly string[] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/**
 * The costliest bcrypt hash accepted. Each check of a hash runs on the one bcrypt worker: cost 12
 * takes about 0.35 s there, each step up doubles it, and a cost-31 hash held the worker, and so
 * every login, for good. exporter-toolkit's documentation uses cost 10.
 */
export const MAX_BCRYPT_COST = 12;

export interface TlsSettings {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
  readonly clientAuth: ClientAuthType;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion | undefined;
}

export interface WebConfig {
  readonly tls: TlsSettings | undefined;
  /** user -> bcrypt hash */
  readonly users: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
  /** The config file and every file it names: what a reload watches. */
  readonly files: readonly string[];
  /** Settings accepted for compatibility but not applied, to log once. */
  readonly ignored: readonly string[];
}

type Obj = Record<string, unknown>;

function mapping(v: unknown, where: string): Obj {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where} must be a mapping`);
  return v as Obj;
}

function onlyKeys(o: Obj, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new Error(`${where}: unknown key "${k}"`);
}

function text(v: unknown, where: string): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${where} must be a string`);
  return v;
}

/** Loads and checks a web config file; throws one message naming the file and the problem. */
export function loadWebConfig(file: string): WebConfig {
  try {
    return parse(file);
  } catch (err) {
    throw new Error(`web config ${file}: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, ' ') : String(err)}`);
  }
}

/** A file's bytes, or an error that says which file could not be read and why. */
function read(path: string, what: string): Buffer {
  try {
    return readBounded(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${what}cannot read it (${e.code === 'EFBIG' || e.code === 'EFTYPE' ? e.message : (e.code ?? String(err))})`);
  }
}

function parse(file: string): WebConfig {
  let doc: Obj;
  try {
    doc = readYamlMapping(file);
  } catch (err) {
    if (!(err instanceof YamlFileError)) throw err;
    throw new Error(err.kind === 'read' ? `cannot read it (${err.detail})` : err.kind === 'shape' ? 'the file must be a mapping' : err.detail);
  }
  onlyKeys(doc, ['tls_server_config', 'http_server_config', 'basic_auth_users'], 'top level');
  const files = [file];
  const ignored: string[] = [];
  const rel = (p: string): string => (isAbsolute(p) ? p : resolve(dirname(file), p));
  const readPem = (p: string, what: string): Buffer => {
    const abs = rel(p);
    files.push(abs);
    return read(abs, `${what} ${abs}: `);
  };

  let tls: TlsSettings | undefined;
  const t = mapping(doc.tls_server_config, 'tls_server_config');
  if (Object.keys(t).length > 0) {
    onlyKeys(t, ['cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version', 'max_version', 'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites'], 'tls_server_config');
    for (const k of ['cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites']) if (t[k] !== undefined) ignored.push(`tls_server_config.${k}`);
    const certFile = text(t.cert_file, 'tls_server_config.cert_file');
    const keyFile = text(t.key_file, 'tls_server_config.key_file');
    if (!certFile || !keyFile) throw new Error('tls_server_config needs both cert_file and key_file');
    const clientAuth = (text(t.client_auth_type, 'tls_server_config.client_auth_type') ?? 'NoClientCert') as ClientAuthType;
    if (!CLIENT_AUTH_TYPES.includes(clientAuth)) throw new Error(`tls_server_config.client_auth_type "${clientAuth}" is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);
    const caFile = text(t.client_ca_file, 'tls_server_config.client_ca_file');
    if ((clientAuth === 'RequireAndVerifyClientCert' || clientAuth === 'VerifyClientCertIfGiven') && !caFile) {
      throw new Error(`tls_server_config.client_auth_type ${clientAuth} needs client_ca_file`);
    }
    const version = (k: 'min_version' | 'max_version'): SecureVersion | undefined => {
      const v = text(t[k], `tls_server_config.${k}`);
      if (v === undefined) return undefined;
      const mapped = TLS_VERSIONS[v];
      if (!mapped) throw new Error(`tls_server_config.${k} "${v}" is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
      return mapped;
    };
    tls = {
      cert: readPem(certFile, 'cert_file'),
      key: readPem(keyFile, 'key_file'),
      ca: caFile ? readPem(caFile, 'client_ca_file') : undefined,
      clientAuth,
      minVersion: version('min_version') ?? 'TLSv1.2', // exporter-toolkit's default
      maxVersion: version('max_version'),
    };
    try {
      // Loaded here, not at the top: plain-HTTP exporters never pay for tls and crypto.
      (require('node:tls') as typeof import('node:tls')).createSecureContext(secureContextOptions(tls)); // a key that does not match, a bad PEM...
    } catch (err) {
      throw new Error(`tls_server_config: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const h = mapping(doc.http_server_config, 'http_server_config');
  onlyKeys(h, ['headers', 'http2'], 'http_server_config');
  if (h.http2 === true) ignored.push('http_server_config.http2 (HTTP/1.1 only)');
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(mapping(h.headers, 'http_server_config.headers'))) {
    const canonical = Object.keys(HEADER_ALLOWLIST).find((a) => a.toLowerCase() === name.toLowerCase());
    if (!canonical) throw new Error(`http_server_config.headers: "${name}" is not allowed (allowed: ${Object.keys(HEADER_ALLOWLIST).join(', ')})`);
    if (typeof v !== 'string' || v === '' || /[\r\n]/.test(v)) throw new Error(`http_server_config.headers.${name} must be a one-line string`);
    const allowed = HEADER_ALLOWLIST[canonical];
    if (allowed && !allowed.includes(v.toLowerCase())) throw new Error(`http_server_config.headers.${name} "${v}" is not one of ${allowed.join(', ')}`);
    headers[canonical] = v;
  }

  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(mapping(doc.basic_auth_users, 'basic_auth_users'))) {
    if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) throw new Error(`basic_auth_users.${user}: not a bcrypt hash ($2a$, $2b$ or $2y$)`);
    if (user.includes(':')) throw new Error(`basic_auth_users: user name "${user}" contains ":"`);
    const cost = Number(hash.slice(4, 6));
    if (cost > MAX_BCRYPT_COST) throw new Error(`basic_auth_users.${user}: bcrypt cost ${cost} is above ${MAX_BCRYPT_COST} (each check would hold the bcrypt worker for ${(0.35 * 2 ** (cost - 12)).toFixed(1)} s): hash the password again with cost 10 to ${MAX_BCRYPT_COST}`);
    users.set(user, hash);
  }
  return { tls, users, headers, files, ignored };
}

export function secureContextOptions(t: TlsSettings): { cert: Buffer; key: Buffer; ca?: Buffer; minVersion: SecureVersion; maxVersion?: SecureVersion } {
  return { cert: t.cert, key: t.key, ca: t.ca, minVersion: t.minVersion, maxVersion: t.maxVersion };
}
