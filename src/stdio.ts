// Writing to stdout and stderr: logs, --help, --version, usage errors.
//
// Under Bun, building process.stdout / process.stderr on first use costs 3-5 ms of a compiled
// executable's start (exec to first scrape 50.9 -> 47.0 ms without them). So until the exporter
// serves, a line goes straight to the descriptor with one synchronous write, as node_exporter
// writes its own. From then on a pipe or socket (a supervisor's log pipe, journald) goes through
// the stream, which makes the descriptor non-blocking and queues: a log reader that stops reading
// (its disk full, `| less` paused) must not stop the scrapes. Files, terminals and /dev/null keep
// the direct write. Windows keeps the streams: a console needs them (WriteConsoleW) for non-ASCII.

import { fstatSync, writeSync } from 'node:fs';

type Fd = 1 | 2;

/** Descriptors written through the stream: all on Windows; pipes and sockets once serving; any that refused a direct write with EAGAIN. */
const viaStream = new Set<Fd>(process.platform === 'win32' ? [1, 2] : []);
/** Descriptors nobody reads any more (EPIPE) or that are closed (EBADF): writes are dropped. */
const gone = new Set<Fd>();
/** Descriptors whose last direct write stopped mid-line (a full disk): the next line starts afresh. */
const torn = new Set<Fd>();

function stream(fd: Fd): NodeJS.WriteStream {
  const s = fd === 1 ? process.stdout : process.stderr;
  // A reader that goes away is an error event on the stream, and, unheard, an exit with code 1.
  if (s.listenerCount('error') === 0) s.on('error', () => gone.add(fd));
  return s;
}

/** Called once the exporter serves: from here on, pipes and sockets are written through the stream. */
export function serving(): void {
  for (const fd of [1, 2] as const) {
    try {
      const st = fstatSync(fd);
      if (st.isFIFO() || st.isSocket()) viaStream.add(fd);
    } catch {
      // closed: a write says EBADF, and output there is dropped
    }
  }
}

/**
 * Writes `text` to `fd`, best effort: output nobody reads any more (`2>&1 | head -c 10`, a log
 * collector gone) is dropped, and so is a line the descriptor refuses (a full disk): a log line
 * never stops the exporter.
 */
export function write(fd: Fd, text: string): void {
  if (gone.has(fd)) return;
  const buf = Buffer.from(torn.has(fd) ? `\n${text}` : text);
  torn.delete(fd);
  let off = 0;
  if (!viaStream.has(fd)) {
    try {
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'EBADF') gone.add(fd);
      if (code !== 'EAGAIN') {
        if (off > 0) torn.add(fd);
        return;
      }
      // A non-blocking pipe that is full: from here on the stream waits for room, without
      // holding the event loop; what this write did not get out goes first.
      viaStream.add(fd);
    }
  }
  const s = stream(fd);
  if (!s.destroyed) s.write(buf.subarray(off));
}
