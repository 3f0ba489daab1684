#!/usr/bin/env python3
# A seccomp agent for test/integration/seccomp-notify.test.ts: listens on SOCKET, takes
# each "container process state" message with its listener fd (SCM_RIGHTS), logs it to
# LOG (one JSON line: {"state": ..., "fds": N}), then answers that listener's
# notifications: mkdir and mkdirat fail with ERRNO, every other syscall continues
# (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Each notification is logged as {"nr": N}.
# Usage: seccomp-agent.py SOCKET LOG ERRNO
import array
import fcntl
import json
import os
import socket
import struct
import sys
import threading

SOCKET, LOG, ERRNO = sys.argv[1], sys.argv[2], int(sys.argv[3])

# _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp).
NOTIF_RECV = 0xC0502100
NOTIF_SEND = 0xC0182101
NOTIF_SIZE = 80  # u64 id, u32 pid, u32 flags, struct seccomp_data (nr, arch, ip, args[6])
FLAG_CONTINUE = 1
MKDIR = {83, 258}  # x86_64 mkdir, mkdirat

lock = threading.Lock()


def log(entry):
    with lock, open(LOG, 'a') as f:
        f.write(json.dumps(entry) + '\n')


def answer(listener):
    while True:
        buf = bytearray(NOTIF_SIZE)
        try:
            fcntl.ioctl(listener, NOTIF_RECV, buf, True)
        except OSError:
            break  # every confined process is gone (or the fd is closed)
        notif_id, _pid, _flags, nr = struct.unpack_from('=QIIi', buf)
        log({'nr': nr})
        if nr in MKDIR:
            resp = struct.pack('=QqiI', notif_id, 0, -ERRNO, 0)
        else:
            resp = struct.pack('=QqiI', notif_id, 0, 0, FLAG_CONTINUE)
        try:
            fcntl.ioctl(listener, NOTIF_SEND, bytearray(resp), True)
        except OSError:
            pass  # the process died meanwhile (ENOENT)
    os.close(listener)


def serve(conn):
    fds = array.array('i')
    msg, anc, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    conn.close()
    log({'state': json.loads(msg), 'fds': len(fds)})
    for fd in fds:
        threading.Thread(target=answer, args=(fd,), daemon=True).start()


server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(SOCKET + '.tmp')
server.listen(16)
os.rename(SOCKET + '.tmp', SOCKET)  # there only once it accepts
while True:
    conn, _ = server.accept()
    serve(conn)
