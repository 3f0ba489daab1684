# Receives a pty master over a unix socket (SCM_RIGHTS) the way an engine's console socket
# does, writes the message and everything read from the master to a file; with a third
# argument, types it into the master first, as a user at conmon's end would. Node cannot
# receive fds, so tests use this.
import os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 64, 1)
with open(sys.argv[2], "wb") as out:
    out.write(b"name=" + msg + b" fds=" + str(len(fds)).encode() + b"\n")
    out.flush()
    if fds and len(sys.argv) > 3:
        os.write(fds[0], sys.argv[3].encode())
    while fds:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
