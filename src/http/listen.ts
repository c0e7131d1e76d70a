// Listen addresses as --web.listen-address takes them (node_exporter's host:port forms).
import { InvalidArgumentError } from 'commander';

export interface ListenAddress {
  /** undefined: every interface (IPv6 and IPv4, as Node's listen() without a host). */
  readonly host: string | undefined;
  readonly port: number;
}

/** node:net, loaded only for a bracketed address: it costs 4 ms of every start under Bun. */
const isIP = (h: string): number => (require('node:net') as typeof import('node:net')).isIP(h);

export function parseListenAddress(s: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new InvalidArgumentError(`"${s}" is not host:port (e.g. :9601, 127.0.0.1:9601, [::1]:9601)`);
  const port = Number(m[3]);
  if (port > 65535) throw new InvalidArgumentError(`port ${port} in "${s}" is out of range`);
  const v6 = m[1];
  const host = v6 ?? m[2];
  if (v6 !== undefined && isIP(v6.replace(/%.*$/, '')) !== 6) {
    throw new InvalidArgumentError(`"${v6}" in "${s}" is not an IPv6 address`);
  }
  if (v6 === undefined && host !== '' && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(host) && isIP(host) === 0) {
    throw new InvalidArgumentError(`"${host}" in "${s}" is not a host name or IP address`);
  }
  return { host: host === '' ? undefined : host, port };
}

export function formatListenAddress(a: ListenAddress): string {
  if (a.host === undefined) return `:${a.port}`;
  // Only an IPv6 address holds a colon (parseListenAddress takes no other).
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

