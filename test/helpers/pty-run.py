# Runs a command with a new pseudo-terminal as its controlling terminal (its stdout and
# stderr, and its stdin unless told to pipe it), the way a user's shell would, and drives
# it with steps read as JSON from argv[1]:
#   {"expect": TEXT}        read the terminal's output until TEXT has appeared (after the
#                           previous expect's match)
#   {"send": TEXT}          type TEXT on the terminal
#   {"pipe": TEXT}          write TEXT to the command's stdin pipe (--pipe-stdin only)
#   {"resize": [ROWS, COLS]} set the terminal's size (the kernel sends SIGWINCH)
#   {"signal": N}           send signal N to the command
#   {"run": [ARGV...]}      run another command (its stdio not on the terminal) to its end
#   {"termios": NAME}       record the terminal's modes now under NAME
# Options before the steps: --rows R --cols C (the size before the command starts),
# --pipe-stdin. After the steps it reads the output until the terminal closes and prints
# one JSON object: output, status (exit code, 128+N for signal N), termios (the records,
# with "before" the command started and "after" it ended), each record
# {"canonical", "echo", "attrs"}.
import fcntl, json, os, pty, select, struct, subprocess, sys, termios, time

args = sys.argv[1:]
rows, cols, pipe_stdin = 24, 80, False
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--rows":
        rows = int(args.pop(0))
    elif opt == "--cols":
        cols = int(args.pop(0))
    elif opt == "--pipe-stdin":
        pipe_stdin = True
    else:
        sys.exit(f"pty-run: unknown option {opt}")
steps = json.loads(args.pop(0))
if args and args[0] == "--":
    args.pop(0)

# A guard against a hang only: the test fails on what it reads, never on time.
deadline = time.monotonic() + 60

master, slave = pty.openpty()
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def modes():
    # On the master, TCGETS reads the terminal side's modes: what the command changed.
    a = termios.tcgetattr(master)
    return {"canonical": bool(a[3] & termios.ICANON), "echo": bool(a[3] & termios.ECHO), "attrs": repr(a)}


def take_terminal():
    fcntl.ioctl(1, termios.TIOCSCTTY, 0)


records = {"before": modes()}
proc = subprocess.Popen(
    args,
    stdin=subprocess.PIPE if pipe_stdin else slave,
    stdout=slave,
    stderr=slave,
    start_new_session=True,
    preexec_fn=take_terminal,
)
os.close(slave)

output = b""
seen = 0


def read_some(wait):
    """One read from the master; False once it is closed (EIO) or the deadline passed."""
    global output
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    ready, _, _ = select.select([master], [], [], min(left, wait))
    if not ready:
        return True
    try:
        chunk = os.read(master, 65536)
    except OSError:
        return False
    if not chunk:
        return False
    output += chunk
    return True


for step in steps:
    if "expect" in step:
        want = step["expect"].encode()
        while output.find(want, seen) < 0:
            if not read_some(1):
                print(json.dumps({"error": f"did not see {step['expect']!r}", "output": output.decode(errors="replace")}))
                proc.kill()
                sys.exit(1)
        seen = output.find(want, seen) + len(want)
    elif "send" in step:
        os.write(master, step["send"].encode())
    elif "pipe" in step:
        proc.stdin.write(step["pipe"].encode())
        proc.stdin.flush()
    elif "resize" in step:
        r, c = step["resize"]
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
    elif "signal" in step:
        proc.send_signal(step["signal"])
    elif "run" in step:
        subprocess.run(step["run"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    elif "termios" in step:
        records[step["termios"]] = modes()

while read_some(1):
    pass
code = proc.wait(timeout=max(1, deadline - time.monotonic()))
records["after"] = modes()
print(
    json.dumps(
        {
            "output": output.decode(errors="replace"),
            "status": code if code >= 0 else 128 - code,
            "termios": records,
        }
    )
)
