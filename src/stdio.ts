// Writing to stdout and stderr: logs, --help, --version, usage errors.
//
// Why not process.stdout / process.stderr: under Bun their first use loads its stream
// implementation, about 20 ms of a compiled executable's start (a Bun executable that writes one
// line: 27 ms through process.stdout, 9.6 ms through fs.writeSync, 6.4 ms writing nothing). On
// Linux a write goes straight to the descriptor, synchronously, which is what Node does itself for
// pipes and files there; a line is one write, so lines from one process are never torn. Windows
// keeps the streams: a console needs them (WriteConsoleW) to show non-ASCII text.

import { writeSync } from 'node:fs';

type Fd = 1 | 2;

/** Descriptors that refused a direct write with EAGAIN (non-blocking): they go through the stream. */
const viaStream = new Set<Fd>(process.platform === 'win32' ? [1, 2] : []);
/** Descriptors nobody reads any more (EPIPE) or that are closed (EBADF): writes are dropped. */
const gone = new Set<Fd>();

function stream(fd: Fd): NodeJS.WriteStream {
  const s = fd === 1 ? process.stdout : process.stderr;
  // A reader that goes away is an error event on the stream, and, unheard, an exit with code 1.
  if (s.listenerCount('error') === 0) s.on('error', () => gone.add(fd));
  return s;
}

/**
 * Writes `text` to `fd`, best effort: output nobody reads any more (`2>&1 | head -c 10`, a log
 * collector gone) is dropped, and so is a line the descriptor refuses (a full disk): a log line
 * never stops the exporter.
 */
export function write(fd: Fd, text: string): void {
  if (gone.has(fd)) return;
  const buf = Buffer.from(text);
  let off = 0;
  if (!viaStream.has(fd)) {
    try {
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'EBADF') gone.add(fd);
      if (code !== 'EAGAIN') return;
      // A non-blocking pipe that is full: from here on the stream waits for room, without
      // holding the event loop, and keeps the order of what follows.
      viaStream.add(fd);
    }
  }
  const s = stream(fd);
  if (!s.destroyed) s.write(buf.subarray(off));
}
