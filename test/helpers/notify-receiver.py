# The host's systemd for NOTIFY_SOCKET tests: binds a unix datagram socket at argv[1],
# prints "ready", then prints each datagram it receives as one JSON string per line. When
# its stdin ends it takes what is still queued and exits, so a test that closes stdin
# after the runtime returned reads every datagram sent until then.
import json, os, select, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print("ready", flush=True)
stdin_open = True
while stdin_open:
    readable, _, _ = select.select([sock, sys.stdin], [], [])
    if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
        stdin_open = False
    if sock in readable or not stdin_open:
        sock.setblocking(stdin_open)
        while True:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                break
            print(json.dumps(data.decode("utf-8", "replace")), flush=True)
            if stdin_open:
                break
