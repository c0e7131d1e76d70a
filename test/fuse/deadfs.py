#!/usr/bin/python3
"""A FUSE filesystem whose statfs does not answer, like an NFS mount whose server is gone.

Usage: deadfs.py [--single] MOUNTPOINT [REVIVE_FILE]. MOUNTPOINT may be given as hex:<bytes in
hex> for a path that is not UTF-8. --single serves one request at a time, so that while one
statfs hangs in the daemon the next ones wait in the kernel's queue (killably, unlike a request
the daemon has read). getattr and readdir answer (so the mount itself
works and `ls` does not hang); statfs blocks until REVIVE_FILE exists (the server comes back;
forever without one), then answers 1000 blocks of 4096 bytes, 600 free, 500 available, 100
inodes, 40 free. Runs in the foreground until unmounted.
"""
import errno
import os
import stat
import sys
import time

try:  # Debian's python3-fusepy names the module fusepy; pip's names it fuse
    from fusepy import FUSE, FuseOSError, Operations
except ImportError:
    from fuse import FUSE, FuseOSError, Operations

ARGS = [a for a in sys.argv[1:] if a != '--single']
SINGLE = '--single' in sys.argv
REVIVE = ARGS[1] if len(ARGS) > 1 else None


class DeadFs(Operations):
    def getattr(self, path, fh=None):
        if path == '/':
            return {'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2}
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..']

    def statfs(self, path):
        while REVIVE is None or not os.path.exists(REVIVE):
            time.sleep(0.1)
        return {'f_bsize': 4096, 'f_frsize': 4096, 'f_blocks': 1000, 'f_bfree': 600, 'f_bavail': 500,
                'f_files': 100, 'f_ffree': 40, 'f_namemax': 255}


if __name__ == '__main__':
    mp = ARGS[0]
    # latin-1 maps each byte to one character and back: any path, UTF-8 or not.
    mp = bytes.fromhex(mp[4:]).decode('latin-1') if mp.startswith('hex:') else mp.encode().decode('latin-1')
    FUSE(DeadFs(), mp, foreground=True, nothreads=SINGLE, encoding='latin-1')
