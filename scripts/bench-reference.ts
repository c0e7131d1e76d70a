// The bench's memory reference: a Node HTTP server that does nothing but answer every request
// with a fixed body as long as sys-exporter's. npm run bench builds it into an executable exactly
// as exporter-linux is built (same Node binary, same V8 flags), so that its RSS is what any
// exporter written for Node pays before collecting anything.
//   http-reference --web.listen-address=127.0.0.1:PORT --body-bytes=N
import * as http from 'node:http';

const arg = (name: string): string => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  if (!a) throw new Error(`--${name} is required`);
  return a.slice(name.length + 3);
};
const address = arg('web.listen-address');
const colon = address.lastIndexOf(':');
const body = Buffer.alloc(Number(arg('body-bytes')), 'x');
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  })
  .listen(Number(address.slice(colon + 1)), address.slice(0, colon));
