#!/usr/bin/python3
"""Many FUSE mounts served by one single-threaded process that speaks the raw /dev/fuse protocol.

Usage (as root): manyfs.py SPECFILE. Standard library only: no fusepy, no libfuse, no fusermount.

SPECFILE holds one mount per line, MODE<TAB>MOUNTPOINT (blank lines are skipped). MOUNTPOINT is an
existing directory, taken as raw bytes (spaces are fine), or hex:<hex bytes> for a path that is
not UTF-8. MODE is one of
  ok       answers everything at once;
  slow=MS  answers STATFS after MS milliseconds (other requests at once; other mounts are served
           meanwhile);
  dead     reads STATFS requests and never answers them: the caller then waits uninterruptibly,
           as on a hung daemon, until the daemon exits;
  freeze   like ok until the daemon gets SIGUSR1; from then on it reads every request on the
           mount and answers none (LOOKUP, GETATTR, STATFS...).
Every root holds one empty directory, `sub`, so that another filesystem can be mounted inside.
Names and attributes are never cached (timeouts 0): every path walk through a mount asks the
daemon, so a frozen mount also hangs walks to <mount>/sub/... with a filesystem mounted on sub.
STATFS answers, for the mount at 0-based position i among the spec's mounts: blocks = 1000 + i
(each mount its own figure), bfree 600, bavail 500, files 100, ffree 40, bsize = frsize = 4096,
namelen 255.
Prints `ready N` once all N mounts are mounted and have answered the kernel's FUSE_INIT.
SIGTERM or SIGINT: unmounts every mount lazily and exits 0, also while requests are held.
"""
import ctypes
import errno
import heapq
import itertools
import os
import resource
import selectors
import signal
import struct
import sys
import time

MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2
LOOKUP, FORGET, GETATTR, STATFS, INIT, OPENDIR, READDIR, RELEASEDIR, ACCESS, INTERRUPT, DESTROY, \
    BATCH_FORGET = 1, 2, 3, 17, 26, 27, 28, 29, 34, 36, 38, 42
IN_HDR = struct.Struct('<IIQQIIIHH')             # fuse_in_header, 40 bytes
OUT_HDR = struct.Struct('<IiQ')                  # fuse_out_header, 16 bytes
ATTR = struct.Struct('<6Q10I')                   # fuse_attr, 88 bytes
ENTRY_OUT = struct.Struct('<4Q2I')               # fuse_entry_out without its attr
ATTR_OUT = struct.Struct('<QII')                 # fuse_attr_out without its attr
KSTATFS = struct.Struct('<5Q4I24x')              # fuse_kstatfs, 80 bytes
INIT_OUT = struct.Struct('<4I2H2I2HI28x')        # fuse_init_out, 64 bytes from minor 23 on
DIRENT = struct.Struct('<QQII')                  # fuse_dirent without its name
# The kernel rejects reads shorter than max(8 KiB, header + write header + max_write).
BUFSIZE = 132 * 1024
libc = ctypes.CDLL(None, use_errno=True)


class Mount:
    def __init__(self, index, mode, path):
        self.index, self.path, self.fd, self.ready, self.mounted = index, path, None, False, False
        self.mode, _, ms = mode.partition('=')
        if self.mode not in ('ok', 'slow', 'dead', 'freeze') or bool(ms) != (self.mode == 'slow'):
            sys.exit(f'manyfs: bad mode {mode!r}')
        self.delay = int(ms) / 1000 if ms else 0


def parse(specfile):
    mounts = []
    for line in open(specfile, 'rb').read().split(b'\n'):
        if line.strip():
            mode, _, path = line.partition(b'\t')
            path = bytes.fromhex(path[4:].decode()) if path.startswith(b'hex:') else path
            mounts.append(Mount(len(mounts), mode.decode(), path))
    return mounts


def attr(node):
    return ATTR.pack(node, 0, 0, 0, 0, 0, 0, 0, 0, 0o40755, 2, 0, 0, 0, 4096, 0)


def readdir(node, offset, size):
    # d_off of each entry is the offset of the next one, as the kernel hands it back to us.
    names = [(node, b'.'), (1, b'..')] + ([(2, b'sub')] if node == 1 else [])
    out = b''
    for i, (ino, name) in enumerate(names[offset:], offset + 1):
        ent = DIRENT.pack(ino, i, len(name), 4) + name  # 4: DT_DIR
        ent += b'\0' * (-len(ent) % 8)
        if len(out) + len(ent) > size:
            break
        out += ent
    return out


def reply(m, unique, err=0, out=b''):
    try:
        os.write(m.fd, OUT_HDR.pack(OUT_HDR.size + len(out), -err, unique) + out)
    except (OSError, TypeError):
        pass  # ENOENT: the request was aborted; ENODEV or fd None: the mount is gone


def handle(m, buf, held, seq, frozen):
    _, op, unique, node = IN_HDR.unpack_from(buf)[:4]
    body = buf[IN_HDR.size:]
    if op in (FORGET, BATCH_FORGET, INTERRUPT) or (m.mode == 'freeze' and frozen):
        return  # the first three take no reply; ignoring INTERRUPT keeps held requests held
    if op == INIT:
        major, minor, readahead = struct.unpack_from('<3I', body)
        if major != 7:
            return reply(m, unique, errno.EPROTO)
        # 31 is enough for everything here; the kernel reads fuse_init_out per the agreed minor.
        m.ready = True
        return reply(m, unique, 0, INIT_OUT.pack(7, min(minor, 31), readahead, 0, 16, 12, 4096, 1, 0, 0, 0))
    if op == LOOKUP:
        if node == 1 and body.rstrip(b'\0') == b'sub':
            return reply(m, unique, 0, ENTRY_OUT.pack(2, 0, 0, 0, 0, 0) + attr(2))
        return reply(m, unique, errno.ENOENT)
    if op == GETATTR:
        if node in (1, 2):
            return reply(m, unique, 0, ATTR_OUT.pack(0, 0, 0) + attr(node))
        return reply(m, unique, errno.ENOENT)
    if op == STATFS:
        if m.mode == 'dead':
            return
        out = KSTATFS.pack(1000 + m.index, 600, 500, 100, 40, 4096, 255, 4096, 0)
        if m.delay:
            return heapq.heappush(held, (time.monotonic() + m.delay, next(seq), m, unique, out))
        return reply(m, unique, 0, out)
    if op == OPENDIR:
        return reply(m, unique, 0, struct.pack('<QII', 0, 0, 0))
    if op == READDIR:
        _, offset, size = struct.unpack_from('<QQI', body)
        return reply(m, unique, 0, readdir(node, offset, size))
    if op in (RELEASEDIR, ACCESS, DESTROY):
        return reply(m, unique)
    reply(m, unique, errno.ENOSYS)  # GETXATTR, LISTXATTR, STATX... the kernel copes


def shutdown(mounts, code):
    # Closing the device first aborts each connection, which fails every held request (freeing
    # the processes stuck in it) and keeps the detach's own path walk from hanging in a mount.
    for m in mounts:
        if m.fd is not None:
            os.close(m.fd)
            m.fd = None
    for m in mounts:  # only our own mounts: something else may be mounted at a path now
        if m.mounted:
            libc.umount2(m.path, MNT_DETACH)  # may fail: already detached along with a parent
    sys.exit(code)


def main():
    mounts = parse(sys.argv[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # one fd per mount
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, len(mounts) + 64)), hard))
    # Signals arrive as bytes on a pipe, so the one select() loop sees them with the mounts.
    rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wfd)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(rfd, selectors.EVENT_READ, None)
    for m in mounts:
        try:
            m.fd = os.open('/dev/fuse', os.O_RDWR | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as e:
            print(f'manyfs: /dev/fuse: {e}', file=sys.stderr)
            shutdown(mounts, 1)
        opts = b'fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other' % m.fd
        # The kernel sends FUSE_INIT without waiting for it, so all mounts go up before any serving.
        if libc.mount(b'manyfs', m.path, b'fuse.manyfs', MS_NOSUID | MS_NODEV, opts) != 0:
            e = ctypes.get_errno()
            print(f'manyfs: mount {m.path!r}: {os.strerror(e)}', file=sys.stderr)
            shutdown(mounts, 1)
        m.mounted = True
        sel.register(m.fd, selectors.EVENT_READ, m)
    held, seq, frozen, announced = [], itertools.count(), False, False
    while True:
        if not announced and all(m.ready for m in mounts):
            announced = True
            print(f'ready {len(mounts)}', flush=True)
        while held and held[0][0] <= time.monotonic():
            _, _, m, unique, out = heapq.heappop(held)
            reply(m, unique, 0, out)
        for key, _ in sel.select(max(0, held[0][0] - time.monotonic()) if held else None):
            if key.data is None:
                sigs = os.read(rfd, 64)
                frozen = frozen or signal.SIGUSR1 in sigs
                if signal.SIGTERM in sigs or signal.SIGINT in sigs:
                    shutdown(mounts, 0)
                continue
            m = key.data
            try:
                buf = os.read(m.fd, BUFSIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                if e.errno not in (errno.ENODEV, errno.ECONNABORTED):
                    print(f'manyfs: read {m.path!r}: {e}', file=sys.stderr)
                    continue
                sel.unregister(m.fd)  # unmounted or aborted from outside
                os.close(m.fd)
                m.fd, m.mounted = None, False
                continue
            handle(m, buf, held, seq, frozen)


if __name__ == '__main__':
    main()
