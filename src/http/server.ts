import type * as http from 'node:http';
import type * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type * as Tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { Gather } from '../gather';
import { errorMessage, type Logger } from '../log';
import { contentType, renderBody } from '../metrics/exposition';
import { scrapeBudget } from '../scrape';
import { VERSION } from '../version';
import { BasicAuth, BcryptVerifier } from './auth';
import { formatListenAddress, type ListenAddress } from './listen';
import { acceptsGzip, negotiateFormat } from './negotiate';
import { secureContextOptions, type TlsSettings, type WebConfig } from './webconfig';

// node:http is loaded only where it serves (from source, on Windows, and TLS in the Linux
// executables): Bun.serve needs none of it.
const nodeHttp = (): typeof http => require('node:http') as typeof http;

// zlib and https are loaded on first use: each builtin module costs resident memory for the
// life of the process (https brings tls and crypto: about 4 MB), and most hosts never need them.
let zlib: typeof import('node:zlib') | undefined;
let gzipAsync: ((buf: Buffer) => Promise<Buffer>) | undefined;
/**
 * Bodies up to this size are gzipped on the main thread (64 KiB: about 0.35 ms here). On the
 * libuv pool each thread's malloc arena kept its own copy of deflate's 256 KB of state, up to 16
 * arenas: RSS after 20,000 gzip scrapes was 4.5 MB higher than without gzip. Bigger bodies (a
 * thousand mounts and more) still go to the pool, so that the event loop never waits long.
 */
const GZIP_INLINE_MAX = 64 * 1024;
declare const Bun: { gzipSync(b: Uint8Array): Uint8Array; serve(o: BunServeOptions): BunServer };
export async function gzipBody(buf: Buffer): Promise<Buffer> {
  // Bun's own gzip: node:zlib there costs 9.5 MB of resident memory once loaded, and is 3.4x
  // slower on a scrape's body (0.089 against 0.026 ms for 15 KB, measured).
  if (process.versions.bun) {
    const z = Bun.gzipSync(buf);
    return Buffer.from(z.buffer, z.byteOffset, z.byteLength);
  }
  zlib ??= require('node:zlib') as typeof import('node:zlib');
  if (buf.length <= GZIP_INLINE_MAX) return zlib.gzipSync(buf);
  return (gzipAsync ??= (require('node:util') as typeof import('node:util')).promisify(zlib.gzip))(buf);
}

const HANDSHAKE_TIMEOUT_MS = 5_000;
const PLAIN_HTTP_ON_TLS = 'HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/**
 * Plain HTTP sent to the TLS port gets a 400 that says so, as Go's server (node_exporter)
 * answers, instead of a connection dropped after a failed handshake. The first bytes are looked
 * at before the TLS layer takes the socket: a TLS record starts with 0x16 (handshake); anything
 * else is answered and closed. The bytes read are handed back to the socket, and Node's TLS
 * layer takes over bytes a socket already holds.
 */
function answerPlainHttp(server: https.Server): void {
  const tlsListeners = server.listeners('connection') as Array<(socket: import('node:net').Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: import('node:net').Socket) => {
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (first[0] !== 0x16) {
        socket.end(PLAIN_HTTP_ON_TLS);
        return;
      }
      socket.unshift(first);
      for (const l of tlsListeners) l.call(server, socket);
    });
    socket.on('error', () => socket.destroy());
  });
}

/**
 * Pipelined requests in a row beyond which a connection is cut. A client that pipelines and never
 * reads its responses is served until its socket buffers fill: Bun's node:http server (1.4.5)
 * goes on parsing and dispatching meanwhile without bound (twenty such connections took the
 * executable to 8.7 GB), and Node renders a response for every request that fits in the
 * kernel's buffers (thousands per connection: a second and more of CPU and 90 MB of garbage
 * while /-/healthy waited). No scraper pipelines (Go's HTTP client, Prometheus', never does): a
 * small bound costs nothing, and caps what one connection can make the exporter do at once.
 * A request is pipelined when it arrives before its connection's previous response is out. Node
 * parses a whole read (64 KiB, a thousand small requests) before any handler can answer, so a
 * connection whose read holds more than that many requests is cut before Node's parser sees it
 * (guardReads).
 */
const MAX_PIPELINED = 16;

/** Per connection: requests not answered yet; an idle timer where the runtime has none (see bunTlsEndpoint). */
interface Connection {
  pending: number;
  /** Pipelined requests in a row (see MAX_PIPELINED). */
  pipelined: number;
  /** Cut after this long with no request in progress; 0: the runtime's own timeouts apply. */
  readonly idleMs: number;
  idle?: NodeJS.Timeout;
}
const connections = new WeakMap<Socket, Connection>();

function armIdle(socket: Socket, c: Connection): void {
  if (c.idleMs > 0) c.idle = setTimeout(() => socket.destroy(), c.idleMs).unref();
}

const newConnection = (idleMs = 0): Connection => ({ pending: 0, pipelined: 0, idleMs });

/** Where a request ends in a read: the blank line after its headers. */
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Node's http servers: a connection idle for 5 s without a request in progress is cut, and a
 * read that holds more than MAX_PIPELINED whole requests ends its connection before the parser
 * makes a request object of each (a 64 KiB read of pipelined GETs
 * made 1,100 of them, 20 such connections 115 MB and 0.8 s of a blocked event loop). The http
 * module's own 'data' listener is wrapped: ours decides, then hands the bytes on.
 */
function guardReads(socket: Socket): void {
  // Node's headersTimeout starts at a request's first byte: a connection that never sends one
  // (plain, or TLS after its handshake) was held for server.timeout (30 s). Cut after 7 s idle:
  // later than headersTimeout (5 s, checked each second), so that a half-sent request still
  // gets Node's 408 first.
  const c = newConnection(HANDSHAKE_TIMEOUT_MS + 2_000);
  connections.set(socket, c);
  armIdle(socket, c);
  socket.once('close', () => clearTimeout(c.idle));
  cutFloods(socket);
}

/** Wraps the http module's 'data' listener: a read of more than MAX_PIPELINED requests ends the connection unparsed. */
function cutFloods(socket: Socket): void {
  const parse = socket.listeners('data') as Array<(chunk: Buffer) => void>;
  if (parse.length !== 1) return; // not the layout this relies on: leave it
  socket.removeListener('data', parse[0]);
  socket.on('data', (chunk: Buffer) => {
    if (chunk.length > MAX_PIPELINED * HEAD_END.length) {
      let n = 0;
      for (let at = chunk.indexOf(HEAD_END); at >= 0 && n <= MAX_PIPELINED; at = chunk.indexOf(HEAD_END, at + HEAD_END.length)) n++;
      if (n > MAX_PIPELINED) return void socket.destroy();
    }
    parse[0].call(socket, chunk);
  });
}

/**
 * Accounts for a request on its connection. False: do not serve it, its connection is gone (a
 * pipelined request dispatched after the client left or the connection was cut), or is cut now
 * for more than MAX_PIPELINED pipelined requests in a row.
 */
function admitRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const socket = req.socket;
  if (socket.destroyed) return false;
  let c = connections.get(socket);
  if (!c) connections.set(socket, (c = newConnection()));
  c.pipelined = c.pending > 0 ? c.pipelined + 1 : 0;
  if (c.pipelined > MAX_PIPELINED) {
    socket.destroy();
    return false;
  }
  c.pending++;
  clearTimeout(c.idle);
  let settled = false;
  const conn = c;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    if (--conn.pending === 0 && !socket.destroyed) armIdle(socket, conn);
  };
  res.once('finish', settle);
  res.once('close', settle);
  return true;
}

/** Go's path.Clean for a URL path, keeping a trailing slash: "//metrics" -> "/metrics". */
export function cleanPath(p: string): string {
  // Every scrape asks; a path with no empty or dot segment is already clean.
  if (p !== '' && !p.includes('//') && !p.includes('/.')) return p;
  if (p === '' || p === '/') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const clean = `/${out.join('/')}`;
  return p.endsWith('/') && clean !== '/' ? `${clean}/` : clean;
}

/** The `collect[]` values of a request URL, or undefined when there are none. */
function collectFilter(url: string): string[] | undefined {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('collect')) return undefined;
  const names = new URLSearchParams(url.slice(q + 1)).getAll('collect[]');
  return names.length > 0 ? names : undefined;
}

/** A re-read web config that is valid but would need a restart: refused, logged at warn. */
export class RefusedChange extends Error {}

/** A port that cannot be bound: exit code 1 with the address named. */
export class ListenError extends Error {}

/** The web flags the server serves by. */
export interface WebOptions {
  readonly listenAddresses: readonly ListenAddress[];
  readonly telemetryPath: string;
  /** --web.max-requests; 0: no limit. */
  readonly maxRequests: number;
  /** --collector.timeout in ms: the budget of a scrape without X-Prometheus-Scrape-Timeout-Seconds. */
  readonly timeoutMs: number;
}

export interface ServerDeps {
  readonly options: WebOptions;
  /** Where a response's content comes from. */
  readonly gather: Gather;
  readonly log: Logger;
  /** --web.config.file, loaded and checked; undefined serves plain HTTP without auth. */
  readonly web?: WebConfig;
}

/** Longest request target accepted (414 beyond); a scrape URL is a few dozen bytes. */
const MAX_URL_LENGTH = 4096;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const html = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** What the exporter reads of a request, whichever server carries it. */
export interface Request {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  /** A header's value (the first, if repeated), by lower-case name. */
  header(name: string): string | undefined;
  readonly remoteAddress: string | undefined;
  /** The client has gone (or its connection was cut): nothing to render for. */
  gone(): boolean;
}

/** An answer: status, headers and the whole body (HEAD: the transport leaves the body out). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** End the connection after it (e.g. after an unread body). */
  close?: boolean;
}

const text = (status: number, body: string, close = false): Reply => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from(body, 'utf8'), close });

/**
 * What the exporter does with a listening server. From source and on Windows (Node) it is an
 * http or https server; in the Linux executables (Bun) a TLS endpoint is a tls.Server that hands
 * its connections to an http.Server (see bunTlsEndpoint).
 */
interface Endpoint {
  readonly listening: boolean;
  timeout: number;
  listen(o: { host?: string; port: number }, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  once(event: 'error', l: (err: NodeJS.ErrnoException) => void): unknown;
  off(event: 'error', l: (err: NodeJS.ErrnoException) => void): unknown;
  close(cb: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  setSecureContext?(o: Tls.SecureContextOptions): void;
}

/**
 * TLS under Bun. Bun's https server gives 'secureConnection' a socket without
 * getPeerCertificate() (the exporter crashed on the first connection), and its sockets do not
 * take over bytes read before the handshake, so answerPlainHttp cannot work there. Bun's
 * tls.Server has both: it does the handshake and the client-certificate rules, then hands each
 * connection to a plain http.Server. Plain HTTP sent to the port is dropped, not answered 400.
 * Bun's http.Server applies none of its timeouts (headersTimeout, requestTimeout,
 * keepAliveTimeout, timeout) to a socket it is handed: a connection with no request in progress
 * is cut after headersTimeout here (handshake done and nothing sent, half a request, keep-alive
 * idle), and one with a request in progress after `timeout` without traffic, as server.timeout does.
 */
function bunTlsEndpoint(options: Tls.TlsOptions, admit: (socket: TLSSocket) => boolean, httpServer: http.Server): Endpoint {
  const { createServer } = require('node:tls') as typeof Tls;
  const sockets = new Set<TLSSocket>();
  const server = createServer(options, (socket) => {
    socket.setTimeout(httpServer.timeout);
    if (!admit(socket)) return void socket.destroy();
    sockets.add(socket);
    const c = newConnection(httpServer.headersTimeout);
    connections.set(socket, c);
    armIdle(socket, c);
    socket.once('close', () => {
      sockets.delete(socket);
      clearTimeout(c.idle);
    });
    httpServer.emit('connection', socket);
    // Bun's http layer parses a whole read too (2,000-3,500 pipelined requests per read).
    cutFloods(socket);
  });
  // A client that connects and never finishes its handshake is cut after 5 s.
  server.on('connection', (socket: TLSSocket) => socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy()));
  return {
    get listening() {
      return server.listening;
    },
    get timeout() {
      return httpServer.timeout;
    },
    set timeout(ms: number) {
      httpServer.timeout = ms;
    },
    listen: (o, cb) => server.listen(o, cb),
    address: () => server.address(),
    once: (e, l) => server.once(e, l),
    off: (e, l) => server.off(e, l),
    close: (cb) => server.close(cb),
    closeIdleConnections: () => httpServer.closeIdleConnections(),
    closeAllConnections: () => {
      httpServer.closeAllConnections();
      for (const s of sockets) s.destroy();
    },
    setSecureContext: (o) => server.setSecureContext(o),
  };
}

/** node:http's request and response, read and written as a Request and a Reply. */
function nodeHandler(respond: (req: Request) => Promise<Reply>): http.RequestListener {
  return (req, res) => {
    if (!admitRequest(req, res)) return;
    const r: Request = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      },
      remoteAddress: req.socket.remoteAddress,
      // Node does not destroy a pipelined response still queued behind another: its socket tells.
      gone: () => res.destroyed || req.socket.destroyed,
    };
    void respond(r).then((reply) => {
      res.writeHead(reply.status, { ...reply.headers, 'Content-Length': reply.body.length, ...(reply.close ? { Connection: 'close' } : {}) });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
    });
  };
}

/** What the exporter uses of Bun's native server (bun-types is not a dependency). */
interface BunServer {
  readonly port: number;
  readonly hostname: string;
  timeout(request: globalThis.Request, seconds: number): void;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: globalThis.Request): { address: string } | null;
}
interface BunServeOptions {
  hostname: string;
  port: number;
  idleTimeout: number;
  development: boolean;
  maxRequestBodySize: number;
  fetch(request: globalThis.Request, server: BunServer): Promise<Response>;
  error(err: Error): Response;
}

/**
 * Plain HTTP in the Linux executables: Bun's own server (uWebSockets) instead of its node:http
 * layer, which costs about 24 MB more resident memory, 2.6-4.6x the CPU per request, and read
 * pipelined requests without bound (a client that sends and never reads grew the process to
 * 8.7 GB). Idle and half-sent connections are closed after 10 s.
 */
/** Bun.serve's idle timeout, in s: a keep-alive connection with no request is closed after 5-9 s (Bun checks every 4 s). */
const IDLE_S = 5;

function bunServeEndpoint(respond: (req: Request) => Promise<Reply>, timeoutMs: number): Endpoint {
  // Bun's idle timeout also runs while a response is being made: a scrape may take up to
  // --collector.timeout, so its connection gets that and 5 s more (Bun's limit is 255 s).
  const busyS = Math.min(255, Math.ceil(timeoutMs / 1000) + 5);
  let server: BunServer | undefined;
  let listening = false;
  let onError: ((err: NodeJS.ErrnoException) => void) | undefined;
  const fetch = async (request: globalThis.Request, srv: BunServer): Promise<Response> => {
    srv.timeout(request, busyS);
    const u = request.url;
    const reply = await respond({
      method: request.method,
      // The request target as sent: Bun gives an absolute URL built from it.
      url: u.slice(u.indexOf('/', u.indexOf('//') + 2)),
      header: (name) => request.headers.get(name) ?? undefined,
      remoteAddress: srv.requestIP(request)?.address,
      gone: () => request.signal.aborted,
    });
    // The answer is ready: the connection is idle again once it is written.
    srv.timeout(request, IDLE_S);
    const headers: Record<string, string> = { ...reply.headers, 'Content-Length': String(reply.body.length) };
    if (reply.close) headers.Connection = 'close';
    const body = new Uint8Array(reply.body.buffer as ArrayBuffer, reply.body.byteOffset, reply.body.byteLength);
    return new Response(request.method === 'HEAD' ? null : body, { status: reply.status, headers });
  };
  return {
    get listening() {
      return listening;
    },
    timeout: 0,
    listen(o, cb) {
      const serve = (hostname: string): BunServer =>
        Bun.serve({ hostname, port: o.port, idleTimeout: IDLE_S, development: false, maxRequestBodySize: 0, fetch, error: () => new Response('Internal Server Error\n', { status: 500 }) });
      try {
        // ":port" is every interface: IPv6 and IPv4 on one socket, or IPv4 where IPv6 is off.
        try {
          server = serve(o.host ?? '::');
        } catch (e) {
          if (o.host !== undefined || (e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw e;
          server = serve('0.0.0.0');
        }
      } catch (e) {
        queueMicrotask(() => onError?.(e as NodeJS.ErrnoException));
        return;
      }
      listening = true;
      queueMicrotask(cb);
    },
    address: () => (server ? { address: server.hostname, port: server.port, family: server.hostname.includes(':') ? 'IPv6' : 'IPv4' } : null),
    once: (_e, l) => (onError = l),
    off: () => (onError = undefined),
    close(cb) {
      if (!server || !listening) return cb();
      listening = false;
      void server.stop(false).then(cb);
    },
    closeIdleConnections: () => undefined,
    closeAllConnections: () => void server?.stop(true),
  };
}

export class ExporterServer {
  private readonly servers: Endpoint[] = [];
  private inFlight = 0;
  private readonly verifier = new BcryptVerifier();
  private web: WebConfig | undefined;
  private auth: BasicAuth;

  constructor(private readonly deps: ServerDeps) {
    this.web = deps.web;
    this.auth = new BasicAuth(deps.web?.users ?? new Map(), this.verifier);
  }

  /**
   * Applies a re-read web config: users, headers and certificates take effect for new
   * connections. Switching TLS on or off, or changing client_auth_type, needs a restart: such a
   * change is refused (the caller keeps logging the previous configuration as active).
   */
  applyWebConfig(next: WebConfig): void {
    // A file emptied by mistake (or basic_auth_users: left empty) would open the endpoint to
    // everyone: taking every credential away needs a restart, like switching TLS.
    if (this.auth.enabled && next.users.size === 0) {
      throw new RefusedChange('the new file has no basic_auth_users: turning authentication off needs a restart');
    }
    const prev = this.web?.tls;
    if (!!prev !== !!next.tls || (prev && next.tls && prev.clientAuth !== next.tls.clientAuth)) {
      throw new RefusedChange('turning TLS on or off, or changing client_auth_type, needs a restart');
    }
    if (next.tls) for (const s of this.servers) s.setSecureContext?.(secureContextOptions(next.tls));
    const before = this.web?.users ?? new Map<string, string>();
    const usersChanged = before.size !== next.users.size || [...next.users].some(([u, h]) => before.get(u) !== h);
    this.web = next;
    this.auth = new BasicAuth(next.users, this.verifier);
    if (usersChanged) this.verifier.reset();
  }

  /** Binds every listen address; on any failure closes what was bound and throws ListenError. */
  async listen(): Promise<string[]> {
    const bound: string[] = [];
    try {
      for (const addr of this.deps.options.listenAddresses) bound.push(await this.listenOne(addr));
    } catch (err) {
      await this.close(0);
      throw err;
    }
    return bound;
  }

  private listenOne(addr: ListenAddress): Promise<string> {
    const timeoutMs = this.deps.options.timeoutMs;
    const httpOptions: http.ServerOptions = {
      // Slow or idle clients cannot pin a connection: whole request within 10 s, headers in 5 s.
      requestTimeout: 10_000,
      headersTimeout: 5_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 16 * 1024,
    };
    const respond = (req: Request): Promise<Reply> => this.respond(req);
    const handler = nodeHandler(respond);
    const tls = this.web?.tls;
    const server: Endpoint = tls
      ? this.createTlsServer(tls, httpOptions, handler)
      : process.versions.bun
        ? bunServeEndpoint(respond, timeoutMs)
        : nodeHttp().createServer(httpOptions, handler).on('connection', guardReads);
    server.timeout = Math.max(30_000, timeoutMs + 10_000);
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const what = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : errorMessage(err);
        reject(new ListenError(`listen tcp ${formatListenAddress(addr)}: ${what}`));
      };
      server.once('error', onError);
      server.listen({ host: addr.host, port: addr.port }, () => {
        server.off('error', onError);
        const a = server.address() as AddressInfo;
        resolve(a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
      });
    });
  }

  private createTlsServer(tls: TlsSettings, httpOptions: http.ServerOptions, handler: http.RequestListener): Endpoint {
    const verify = tls.clientAuth === 'RequireAndVerifyClientCert' || tls.clientAuth === 'VerifyClientCertIfGiven';
    const options: Tls.TlsOptions = {
      // A client that connects and never finishes its handshake is cut after 5 s, as the
      // plain-HTTP header timeout does (Node's default is 120 s).
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...secureContextOptions(tls),
      requestCert: tls.clientAuth !== 'NoClientCert',
      rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    };
    // What Node's options cannot say: a certificate required but not verified, or verified
    // only when given. The handshake is done; the connection is cut before any request.
    const admit = (socket: TLSSocket): boolean => {
      const given = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      return !((tls.clientAuth === 'RequireAnyClientCert' && !given) || (verify && given && !socket.authorized));
    };
    if (process.versions.bun) return bunTlsEndpoint(options, admit, nodeHttp().createServer(httpOptions, handler));
    const { createServer } = require('node:https') as typeof https;
    const server = createServer({ ...httpOptions, ...options }, handler);
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!admit(socket)) socket.destroy();
      else guardReads(socket);
    });
    server.on('tlsClientError', (err) => this.deps.log.debug('TLS handshake failed', { err: errorMessage(err) }));
    answerPlainHttp(server);
    return server;
  }

  /** Stops accepting, lets in-flight responses finish for at most `graceMs`, then cuts the rest. */
  async close(graceMs: number): Promise<void> {
    const closed = this.servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          s.closeIdleConnections();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(closed), grace]);
    clearTimeout(timer);
    for (const s of this.servers) s.closeAllConnections();
    this.verifier.close();
  }

  /** Answers one request, whatever carries it (node:http, or Bun.serve in the Linux executables). */
  async respond(req: Request): Promise<Reply> {
    const headers: Record<string, string> = { ...(this.web?.headers ?? {}) };
    const r = await this.route(req, headers).catch((err: unknown): Reply => {
      this.deps.log.error('request failed', { path: req.url, err: errorMessage(err) });
      return text(500, 'Internal Server Error\n');
    });
    r.headers = { ...headers, ...r.headers };
    return r;
  }

  private async route(req: Request, headers: Record<string, string>): Promise<Reply> {
    const url = req.url;
    if (url.length > MAX_URL_LENGTH) return text(414, 'URI Too Long\n', true);
    // Nothing here takes a body: refuse one rather than read it.
    const length = req.header('content-length');
    if ((length !== undefined && length !== '0') || req.header('transfer-encoding') !== undefined) {
      return text(413, 'Request bodies are not accepted\n', true);
    }
    if (this.auth.enabled) {
      const verdict = await this.auth.check(req.header('authorization'), req.remoteAddress);
      if (verdict === 'busy') return text(503, 'Too many authentication attempts in flight, try again later\n');
      if (verdict === 'denied') {
        headers['WWW-Authenticate'] = 'Basic realm="sys-exporter", charset="UTF-8"';
        return text(401, 'Unauthorized\n');
      }
    }
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // As Go's ServeMux (node_exporter): a path that is not clean is redirected to its clean form.
    const clean = path.startsWith('/') ? cleanPath(path) : path;
    if (clean !== path) {
      headers.Location = clean + (q < 0 ? '' : url.slice(q));
      return text(301, 'Moved Permanently\n');
    }
    const route =
      path === this.deps.options.telemetryPath ? this.metrics : path === '/' ? this.landing : path === '/-/healthy' ? this.healthy : undefined;
    if (!route) return text(404, 'Not Found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      headers.Allow = 'GET, HEAD';
      return text(405, 'Method Not Allowed\n');
    }
    return route.call(this, req);
  }

  private async metrics(req: Request): Promise<Reply> {
    const { options, gather } = this.deps;
    if (options.maxRequests > 0 && this.inFlight >= options.maxRequests) {
      return text(503, `Too many concurrent scrapes (limit ${options.maxRequests}), try again later\n`);
    }
    this.inFlight++;
    try {
      // collect[]=name (node_exporter's filter): only those collectors; one that is not enabled is a 400.
      const only = collectFilter(req.url);
      const unknown = only?.find((n) => !gather.names.includes(n));
      if (unknown !== undefined) return text(400, `Couldn't create filtered metrics handler: missing collector: ${unknown}\n`);
      const sets = await gather.gather(scrapeBudget(options.timeoutMs, req.header('x-prometheus-scrape-timeout-seconds')), only);
      if (req.gone()) return text(499, 'Client Closed Request\n');
      const format = negotiateFormat(req.header('accept'));
      let body = renderBody(sets, format);
      const zipped = acceptsGzip(req.header('accept-encoding'));
      if (zipped) body = await gzipBody(body);
      return { status: 200, headers: { 'Content-Type': contentType(format), ...(zipped ? { 'Content-Encoding': 'gzip' } : {}), Vary: 'Accept-Encoding' }, body };
    } finally {
      this.inFlight--;
    }
  }

  private async landing(): Promise<Reply> {
    const { options, gather } = this.deps;
    const snap = gather.latest;
    const rows = snap
      ? snap.results
          .map((r) => `<tr><td>${html(r.name)}</td><td>${r.success ? 'ok' : `failed: ${html(r.error ?? '')}`}</td><td>${r.durationSeconds.toFixed(4)} s</td></tr>`)
          .join('\n')
      : '<tr><td colspan="3">no collection yet</td></tr>';
    const when = snap ? new Date(snap.completedAt).toISOString() : 'never';
    const page = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>sys-exporter</title></head>
<body>
<h1>sys-exporter ${html(VERSION)}</h1>
<p>Host metrics for Prometheus and BlueKing: <a href="${html(options.telemetryPath)}">${html(options.telemetryPath)}</a></p>
<h2>Collectors (last collection: ${when})</h2>
<table>
<tr><th>collector</th><th>last result</th><th>duration</th></tr>
${rows}
</table>
</body>
</html>
`;
    return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: Buffer.from(page, 'utf8') };
  }

  private async healthy(): Promise<Reply> {
    return text(200, 'Healthy\n');
  }
}
