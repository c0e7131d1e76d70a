#!/usr/bin/python3
"""A FUSE filesystem whose statfs never answers, like an NFS mount whose server is gone.

Usage: deadfs.py MOUNTPOINT. getattr and readdir answer (so the mount itself works and
`ls` does not hang); statfs blocks forever. Runs in the foreground until unmounted.
"""
import errno
import stat
import sys
import threading

try:  # Debian's python3-fusepy names the module fusepy; pip's names it fuse
    from fusepy import FUSE, FuseOSError, Operations
except ImportError:
    from fuse import FUSE, FuseOSError, Operations


class DeadFs(Operations):
    def getattr(self, path, fh=None):
        if path == '/':
            return {'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2}
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..']

    def statfs(self, path):
        threading.Event().wait()  # never returns


if __name__ == '__main__':
    FUSE(DeadFs(), sys.argv[1], foreground=True, nothreads=False)
