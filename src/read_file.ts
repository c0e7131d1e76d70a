import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Config, web config and PEM files are a few KiB; anything past this is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Opens a file for reading only if it is a regular file (procfs' files are): a FIFO would block
 * the open, and so the event loop, until a writer came (O_NONBLOCK opens it at once, and fstat
 * then refuses it), and a character device such as /dev/zero or /dev/urandom never ends. Throws
 * EFTYPE naming what the file is instead.
 */
export function openRegular(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  const st = fstatSync(fd);
  if (st.isFile()) return fd;
  closeSync(fd);
  const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : st.isDirectory() ? 'a directory' : 'not a regular file';
  throw Object.assign(new Error(`${path} is ${kind}, not a regular file`), { code: 'EFTYPE' });
}

/**
 * A configuration file's bytes, at most `max` of them: `--config.file=/dev/zero` or a huge
 * file is refused with one line instead of being read until memory runs out. Reads in chunks
 * up to one byte past the limit, so that devices and pipes (size 0 to stat) are bounded too.
 * Throws with the errno code (ENOENT, EACCES...) or the limit in the message.
 */
export function readBounded(path: string, max = MAX_CONFIG_BYTES): Buffer {
  const fd = openRegular(path);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) throw Object.assign(new Error(`larger than ${max / 1024 / 1024} MiB`), { code: 'EFBIG' });
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * A configuration file's text. Windows PowerShell 5.1 writes UTF-16 with a byte-order mark
 * (`> file`, Out-File) and Notepad a UTF-8 one: each is read as what its mark says.
 */
export function decodeText(b: Buffer): string {
  if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('utf8');
}
