// --web.config.file with real TLS (certificates made by openssl here), client certificates,
// basic auth with bcrypt hashes made by a real bcrypt library, live reload, and bad files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { FLAVOURS, request, runExporter as runWith, sleep, startExporter as startWith, type Exporter, type Response } from './helpers';

let dir: string;
const pem = (name: string): Buffer => readFileSync(join(dir, name));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for 127.0.0.1 signed by it, and client certificates. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test CA');
  const signed = (name: string, subj: string, ext: string, ca = 'ca') => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  signed('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('server2', '/CN=127.0.0.1 second', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', '/CN=prometheus', 'extendedKeyUsage=clientAuth\n');
  // A client certificate from a CA the exporter does not trust.
  openssl('req', '-x509', ...ec, '-keyout', 'rogue-ca.key', '-out', 'rogue-ca.pem', '-days', '2', '-subj', '/CN=rogue CA');
  signed('rogue', '/CN=intruder', 'extendedKeyUsage=clientAuth\n', 'rogue-ca');
}

interface TlsClient {
  cert?: Buffer;
  key?: Buffer;
  auth?: string;
  path?: string;
}

/** A real HTTPS client that trusts our CA; rejects on a TLS or connection failure. */
function httpsGet(base: string, c: TlsClient = {}): Promise<Response & { peerFingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${base}${c.path ?? '/metrics'}`,
      { ca: pem('ca.pem'), cert: c.cert, key: c.key, auth: c.auth, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        const peerFingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), peerFingerprint }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const fingerprint = (certFile: string): string =>
  new (require('node:crypto') as typeof import('node:crypto')).X509Certificate(pem(certFile)).fingerprint256;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysexp-tls-'));
  makeCertificates();
});
after(() => rmSync(dir, { recursive: true, force: true }));

// Every suite runs twice: from source and against the shipped exporter-linux.
for (const flavour of FLAVOURS) {
  const startExporter = (args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Exporter> => startWith(args, env, flavour.command());
  const runExporter = (args: string[], timeoutMs?: number): ReturnType<typeof runWith> => runWith(args, timeoutMs, flavour.command());
  describe(`TLS (${flavour.name})`, () => {
    it('serves HTTPS with the configured certificate, and not plain HTTP', async () => {
      writeFileSync(join(dir, 'tls.yml'), 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS12\n');
      const exp = await startExporter([`--web.config.file=${join(dir, 'tls.yml')}`]);
      const base = exp.base.replace('http:', 'https:');
      try {
        const r = await httpsGet(base);
        assert.equal(r.status, 200);
        assert.match(r.body.toString(), /^sys_memory_total_bytes \d+$/m);
        assert.equal(r.peerFingerprint, fingerprint('server.pem'));
        const plain = await request(`${exp.base}/metrics`, {}, 'GET', 3000).then((x) => x.status, () => 'failed');
        assert.notEqual(plain, 200, 'no metrics over plain HTTP');
        assert.match(exp.stderr(), /tls=on/);
      } finally {
        assert.equal(await exp.stop(), 0);
      }
    });

    it('RequireAndVerifyClientCert accepts our client certificate and refuses none or a rogue one', async () => {
      writeFileSync(join(dir, 'mtls.yml'), [
        'tls_server_config:', '  cert_file: server.pem', '  key_file: server.key', '  client_ca_file: ca.pem', '  client_auth_type: RequireAndVerifyClientCert', '',
      ].join('\n'));
      const exp = await startExporter([`--web.config.file=${join(dir, 'mtls.yml')}`]);
      const base = exp.base.replace('http:', 'https:');
      try {
        assert.equal((await httpsGet(base, { cert: pem('client.pem'), key: pem('client.key') })).status, 200);
        await assert.rejects(httpsGet(base), 'no client certificate');
        await assert.rejects(httpsGet(base, { cert: pem('rogue.pem'), key: pem('rogue.key') }), 'client certificate from an unknown CA');
      } finally {
        await exp.stop();
      }
    });

    it('RequireAnyClientCert needs a certificate but does not verify it; VerifyClientCertIfGiven verifies one when given', async () => {
      writeFileSync(join(dir, 'any.yml'), 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n');
      const any = await startExporter([`--web.config.file=${join(dir, 'any.yml')}`]);
      try {
        const base = any.base.replace('http:', 'https:');
        await assert.rejects(httpsGet(base));
        assert.equal((await httpsGet(base, { cert: pem('rogue.pem'), key: pem('rogue.key') })).status, 200);
      } finally {
        await any.stop();
      }
      writeFileSync(join(dir, 'given.yml'), 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n  client_auth_type: VerifyClientCertIfGiven\n');
      const given = await startExporter([`--web.config.file=${join(dir, 'given.yml')}`]);
      try {
        const base = given.base.replace('http:', 'https:');
        assert.equal((await httpsGet(base)).status, 200);
        assert.equal((await httpsGet(base, { cert: pem('client.pem'), key: pem('client.key') })).status, 200);
        await assert.rejects(httpsGet(base, { cert: pem('rogue.pem'), key: pem('rogue.key') }));
      } finally {
        await given.stop();
      }
    });
  });

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  /** Median times to refuse a wrong password for `user` and a name nobody has, `rounds` each, alternating. */
  async function refusalTimes(exp: Exporter, user: string, rounds: number): Promise<{ wrong: number; unknown: number }> {
    const time = async (u: string, p: string): Promise<number> => {
      const t0 = performance.now();
      assert.equal((await exp.scrape({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` }, '/-/healthy')).status, 401);
      return performance.now() - t0;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < rounds; i++) {
      wrong.push(await time(user, `wrong${i}`));
      unknown.push(await time(`nobody${i}`, 'x'));
    }
    return { wrong: median(wrong), unknown: median(unknown) };
  }

  describe(`basic auth (${flavour.name})`, () => {
    const hash = bcrypt.hashSync('s3cret', 10);
    // The $2y$ variant (what htpasswd writes) of another user's hash.
    const hashY = bcrypt.hashSync('other', 10).replace(/^\$2b\$/, '$2y$');

    it('answers 401 with WWW-Authenticate on every path without the right credential', async () => {
      writeFileSync(join(dir, 'auth.yml'), `basic_auth_users:\n  prom: '${hash}'\n  ops: '${hashY}'\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    X-Frame-Options: deny\n`);
      const exp = await startExporter([`--web.config.file=${join(dir, 'auth.yml')}`]);
      const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
      try {
        for (const path of ['/metrics', '/', '/-/healthy']) {
          const none = await exp.scrape({}, path);
          assert.equal(none.status, 401, path);
          assert.match(String(none.headers['www-authenticate']), /^Basic realm=/);
          assert.equal((await exp.scrape(basic('prom', 'wrong'), path)).status, 401);
          assert.equal((await exp.scrape(basic('prom', 's3cret'), path)).status, 200, path);
        }
        assert.equal((await exp.scrape(basic('ops', 'other'))).status, 200, '$2y$ hashes work');
        assert.equal((await exp.scrape({ Authorization: 'Basic !!!notbase64' })).status, 401);
        assert.equal((await exp.scrape({ Authorization: 'Bearer x' })).status, 401);
        const ok = await exp.scrape(basic('prom', 's3cret'));
        assert.equal(ok.headers['x-frame-options'], 'deny');
        assert.equal(ok.headers['x-content-type-options'], 'nosniff');
      } finally {
        await exp.stop();
      }
    });

    it('costs an unknown user as much as a wrong password, caches verified credentials, never blocks the event loop', async () => {
      writeFileSync(join(dir, 'auth2.yml'), `basic_auth_users:\n  prom: '${hash}'\n`);
      const exp = await startExporter([`--web.config.file=${join(dir, 'auth2.yml')}`, '--no-collector.disk']);
      const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
      const time = async (h: Record<string, string>): Promise<number> => {
        const t0 = performance.now();
        await exp.scrape(h, '/-/healthy');
        return performance.now() - t0;
      };
      try {
        const { wrong, unknown } = await refusalTimes(exp, 'prom', 5);
        // Both pay a cost-10 bcrypt comparison (tens of ms); neither is a fast path.
        assert.ok(unknown > wrong / 3, `unknown user ${unknown} ms vs wrong password ${wrong} ms`);
        await time(basic('prom', 's3cret')); // verified once, then cached
        const cached = median(await Promise.all([0, 1, 2].map(() => time(basic('prom', 's3cret')))));
        assert.ok(cached < wrong, `cached ${cached} ms < bcrypt ${wrong} ms`);
        // Eight wrong passwords queue ~0.6 s of bcrypt on the worker; a cached scrape meanwhile
        // must not wait behind them.
        const burst = Promise.all(Array.from({ length: 8 }, (_, i) => exp.scrape(basic('prom', `bad${i}`))));
        await sleep(20);
        const during = await time(basic('prom', 's3cret'));
        const statuses = (await burst).map((r) => r.status);
        assert.deepEqual(statuses, Array(8).fill(401));
        assert.ok(during < 4 * wrong, `a cached request took ${during} ms while bcrypt was busy`);
      } finally {
        await exp.stop();
      }
    });
  });

  describe(`costly bcrypt (${flavour.name})`, () => {
    it('spends no bcrypt on a request without credentials (1.0: a check at the costliest configured cost for each)', async () => {
      // A cost-12 user: a check holds the worker about 0.35 s. Twenty requests without
      // credentials, all at once, then one user's first login: it waits behind nothing.
      writeFileSync(join(dir, 'auth12.yml'), `basic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 12)}'\n`);
      const exp = await startExporter([`--web.config.file=${join(dir, 'auth12.yml')}`, '--no-collector.disk']);
      try {
        const t0 = performance.now();
        const headerless = await Promise.all(Array.from({ length: 20 }, () => exp.scrape({}, '/-/healthy')));
        const flood = performance.now() - t0;
        assert.deepEqual(headerless.map((r) => r.status), Array(20).fill(401));
        const t1 = performance.now();
        assert.equal((await exp.scrape({ Authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` }, '/-/healthy')).status, 200);
        const login = performance.now() - t1;
        // Twenty cost-12 checks would take 7 s; the flood costs less than the one login it preceded.
        assert.ok(flood < login, `20 requests without credentials took ${flood.toFixed(0)} ms, one cost-12 login ${login.toFixed(0)} ms`);
      } finally {
        await exp.stop();
      }
    });

    it('refuses a hash above cost 12 at load, in one line naming the user and the cost', () => {
      const file = join(dir, 'auth13.yml');
      // A real cost-13 hash: its text, not its speed, is what the check reads.
      writeFileSync(file, `basic_auth_users:\n  ops: '${bcrypt.hashSync('x', 4).replace(/^\$2b\$04\$/, '$2b$13$')}'\n`);
      const r = runExporter([`--web.config.file=${file}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.trim(), /^sys-exporter: error: web config .*auth13\.yml: basic_auth_users\.ops: bcrypt cost 13 is above 12 \(each check would hold the bcrypt worker for 0\.7 s\): hash the password again with cost 10 to 12$/);
    });

    it('a reload that drops a costly user frees the worker from its queued checks', async () => {
      const file = join(dir, 'auth-drop.yml');
      const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
      writeFileSync(file, `basic_auth_users:\n  old: '${bcrypt.hashSync('x', 12)}'\n`);
      const exp = await startExporter([`--web.config.file=${file}`, '--no-collector.disk']);
      try {
        // About 2.8 s of cost-12 checks queued, from eight clients' worth of wrong passwords.
        const queued = Promise.all(Array.from({ length: 8 }, (_, i) => exp.scrape(basic('old', `bad${i}`), '/-/healthy')));
        await sleep(100);
        writeFileSync(file, `basic_auth_users:\n  new: '${bcrypt.hashSync('y', 4)}'\n`);
        for (let i = 0; i < 50 && !/msg="web config reloaded"/.test(exp.stderr()); i++) await sleep(100);
        const t0 = performance.now();
        assert.equal((await exp.scrape(basic('new', 'y'), '/-/healthy')).status, 200);
        const waited = performance.now() - t0;
        assert.ok(waited < 1000, `the new user waited ${waited.toFixed(0)} ms behind the dropped user's checks`);
        assert.deepEqual((await queued).map((r) => r.status), Array(8).fill(401));
      } finally {
        await exp.stop();
      }
    });
  });

  describe(`reload (${flavour.name})`, () => {
    it('picks up new users and certificates without a restart, and keeps the last good file on a bad one', async () => {
      const file = join(dir, 'reload.yml');
      const h1 = bcrypt.hashSync('one', 8);
      const h2 = bcrypt.hashSync('two', 8);
      const write = (cert: string, users: string) =>
        writeFileSync(file, `tls_server_config:\n  cert_file: ${cert}.pem\n  key_file: ${cert}.key\nbasic_auth_users:\n${users}`);
      write('server', `  a: '${h1}'\n`);
      const exp = await startExporter([`--web.config.file=${file}`]);
      const base = exp.base.replace('http:', 'https:');
      const waitFor = async (cond: () => Promise<boolean>, what: string) => {
        for (let i = 0; i < 50; i++) {
          if (await cond()) return;
          await sleep(100);
        }
        assert.fail(`${what} within 5 s`);
      };
      try {
        assert.equal((await httpsGet(base, { auth: 'a:one' })).status, 200);
        write('server2', `  b: '${h2}'\n`);
        await waitFor(async () => (await httpsGet(base, { auth: 'b:two' })).status === 200, 'new user accepted');
        assert.equal((await httpsGet(base, { auth: 'a:one' })).status, 401, 'removed user refused');
        assert.equal((await httpsGet(base, { auth: 'b:two' })).peerFingerprint, fingerprint('server2.pem'), 'new certificate served');
        assert.match(exp.stderr(), /msg="web config reloaded"/);

        writeFileSync(file, 'tls_server_config: [this is: not valid\n');
        await waitFor(async () => /msg="web config reload failed; keeping the previous configuration"/.test(exp.stderr()), 'reload error logged');
        assert.equal((await httpsGet(base, { auth: 'b:two' })).status, 200, 'last good configuration still serves');
      } finally {
        assert.equal(await exp.stop(), 0);
      }
    });
  });

  describe(`basic auth under attack (${flavour.name})`, () => {
    const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

    it('takes as long to refuse a name no user has as a wrong password for the costliest user', async () => {
      writeFileSync(join(dir, 'cost.yml'), `basic_auth_users:\n  cheap: '${bcrypt.hashSync('a', 4)}'\n  dear: '${bcrypt.hashSync('b', 12)}'\n`);
      const exp = await startExporter([`--web.config.file=${join(dir, 'cost.yml')}`, '--no-collector.disk']);
      try {
        const { wrong, unknown } = await refusalTimes(exp, 'dear', 3);
        const ratio = unknown / wrong;
        assert.ok(ratio > 0.6 && ratio < 1.6, `unknown name ${unknown.toFixed(0)} ms vs wrong password for the cost-12 user ${wrong.toFixed(0)} ms`);
      } finally {
        await exp.stop();
      }
    });

    it('lets real users in during a flood of 1,500 wrong passwords at 150 at a time', async () => {
      const users = Array.from({ length: 9 }, (_, i) => [`user${i}`, `pw${i}`]);
      writeFileSync(join(dir, 'flood.yml'), `basic_auth_users:\n${users.map(([u, p]) => `  ${u}: '${bcrypt.hashSync(p, 8)}'\n`).join('')}  ops: '${bcrypt.hashSync('real', 8)}'\n`);
      const exp = await startExporter([`--web.config.file=${join(dir, 'flood.yml')}`, '--no-collector.disk']);
      try {
        let sent = 0;
        const flooder = async (): Promise<void> => {
          while (sent < 1500) {
            const n = sent++;
            // Half against a configured user, half against names nobody has.
            await exp.scrape(basic(n % 2 ? 'ops' : `guess${n}`, `wrong${n}`), '/-/healthy').catch(() => undefined);
          }
        };
        const flood = Promise.all(Array.from({ length: 150 }, flooder));
        await sleep(300);
        const statuses: number[] = [];
        for (const [u, p] of users) {
          statuses.push((await exp.scrape(basic(u, p), '/-/healthy')).status); // each one's first login: not cached
          await sleep(100);
        }
        await flood;
        assert.deepEqual(statuses, users.map(() => 200), `real logins during the flood: ${statuses.join(' ')}`);
      } finally {
        await exp.stop();
      }
    });
  });

  describe(`reload that would drop every credential (${flavour.name})`, () => {
    it('is refused and logged at warn: the endpoint keeps asking for a password', async () => {
      const file = join(dir, 'drop.yml');
      writeFileSync(file, `basic_auth_users:\n  ops: '${bcrypt.hashSync('pw', 4)}'\n`);
      const exp = await startExporter([`--web.config.file=${file}`]);
      const creds = `Basic ${Buffer.from('ops:pw').toString('base64')}`;
      try {
        assert.equal((await exp.scrape()).status, 401);
        for (const [i, emptied] of ['basic_auth_users:\n', ''].entries()) {
          writeFileSync(file, emptied);
          for (let t = 0; t < 50 && (exp.stderr().match(/web config change refused/g) ?? []).length <= i; t++) await sleep(100);
          assert.equal((exp.stderr().match(/level=warn msg="web config change refused; keeping the previous configuration".*basic_auth_users/g) ?? []).length, i + 1, exp.stderr());
          assert.equal((await exp.scrape()).status, 401, `after writing ${JSON.stringify(emptied)}, still 401 without credentials`);
          assert.equal((await exp.scrape({ Authorization: creds })).status, 200);
        }
      } finally {
        assert.equal(await exp.stop(), 0);
      }
    });
  });

  describe(`TLS handshakes (${flavour.name})`, () => {
    it('answers plain HTTP sent to the TLS port with 400 as Go\'s server does (Bun: drops it), and still serves HTTPS', async () => {
      const file = join(dir, 'plain.yml');
      writeFileSync(file, 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n');
      const exp = await startExporter([`--web.config.file=${file}`]);
      try {
        const port = Number(new URL(exp.base).port);
        const reply = await new Promise<string>((resolve) => {
          const sock = require('node:net').connect(port, '127.0.0.1') as import('node:net').Socket;
          let got = '';
          sock.on('connect', () => sock.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
          sock.on('data', (c: Buffer) => (got += c.toString()));
          sock.on('close', () => resolve(got));
          sock.on('error', () => resolve(got));
          setTimeout(() => sock.destroy(), 8000);
        });
        if (flavour.name === 'from source') {
          assert.match(reply, /^HTTP\/1\.0 400 Bad Request\r\n/);
          assert.match(reply, /Client sent an HTTP request to an HTTPS server/);
        } else {
          // Bun's TLS server cannot hand bytes read before the handshake back (src/http/server.ts):
          // the connection is dropped, and no metrics leave in the clear.
          assert.doesNotMatch(reply, /sys_memory|200 OK/);
        }
        assert.equal((await httpsGet(exp.base.replace('http:', 'https:'))).status, 200);
      } finally {
        await exp.stop();
      }
    });

    it('cuts a connection that never sends a ClientHello after 5 s, not 120 s', async () => {
      const file = join(dir, 'hs.yml');
      writeFileSync(file, 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n');
      const exp = await startExporter([`--web.config.file=${file}`]);
      try {
        const port = Number(new URL(exp.base).port);
        const t0 = Date.now();
        const closedAfter = await new Promise<number>((resolve) => {
          const sock = require('node:net').connect(port, '127.0.0.1') as import('node:net').Socket;
          sock.on('close', () => resolve(Date.now() - t0));
          sock.on('error', () => undefined);
          setTimeout(() => {
            sock.destroy();
            resolve(Infinity);
          }, 9000);
        });
        assert.ok(closedAfter >= 4000 && closedAfter < 7000, `closed after ${closedAfter} ms`);
      } finally {
        await exp.stop();
      }
    });
  });

  describe(`invalid web config at start (${flavour.name})`, () => {
    const cases: Array<[string, string, RegExp]> = [
      ['unknown.yml', 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  bogus: 1\n', /unknown key "bogus"/],
      ['nokey.yml', 'tls_server_config:\n  cert_file: server.pem\n', /needs both cert_file and key_file/],
      ['missing.yml', 'tls_server_config:\n  cert_file: nope.pem\n  key_file: server.key\n', /nope\.pem: cannot read it \(ENOENT\)/],
      ['mismatch.yml', 'tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n', /tls_server_config: .*key/i],
      ['badhash.yml', 'basic_auth_users:\n  prom: plaintext\n', /basic_auth_users\.prom: not a bcrypt hash/],
      ['header.yml', 'http_server_config:\n  headers:\n    Server: evil\n', /"Server" is not allowed/],
      ['frame.yml', 'http_server_config:\n  headers:\n    X-Frame-Options: allow-from x\n', /X-Frame-Options "allow-from x" is not one of deny, sameorigin/],
      ['auth.yml.bad', 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n', /needs client_ca_file/],
      ['yaml.yml', 'basic_auth_users: [\n', /web config .*yaml\.yml/],
    ];
    for (const [name, content, why] of cases) {
      it(`${name}: one line naming the file and the problem, exit 2`, () => {
        const p = join(dir, name);
        writeFileSync(p, content);
        const r = runExporter([`--web.config.file=${p}`, '--web.listen-address=127.0.0.1:0']);
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.ok(lines[0].includes(p), lines[0]);
        assert.match(lines[0], why);
      });
    }
  });
}
