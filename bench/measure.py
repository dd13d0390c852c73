#!/usr/bin/env python3
"""One start of a JVM program, measured: used by bench/startup.sh.

Usage: measure.py [--tty] [--ready REGEX] [--prompt TEXT] [--idle SECONDS] [--timeout SECONDS] -- COMMAND...

Starts COMMAND (on a pseudo-terminal of 160x50 with --tty, else with stdin from /dev/null), reads its output
and prints one line:  ready_ms=N prompt_ms=N cpu_ms=N rss_mb=N load=L
  ready_ms   wall time from fork to the first output line matching --ready (- when not asked or not seen)
  prompt_ms  wall time from fork to the first appearance of --prompt in the output (- likewise)
  cpu_ms     user + system CPU time of the process tree when the last of the two was seen (load-independent-ish)
  rss_mb     resident memory of the process tree (all descendants) --idle seconds after that (default 10)
  load       the 1-minute load average at that moment (/proc/loadavg)
With MEASURE_THREADS=1 the CPU time of each thread at the last marker goes to stderr, most first (thread names are
the kernel's: the JVM's first 15 characters).
Then stops the tree with SIGTERM (SIGKILL after 20 s). Exits 1 when a marker is not seen within --timeout.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import fcntl
import struct
import termios

TICK = os.sysconf("SC_CLK_TCK")


def tree(pid):
    """pid and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_ms(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total * 1000 // TICK


def rss_mb(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def threads(pids):
    """Prints, to stderr, the CPU time of every thread of the tree at the marker, most first (MEASURE_THREADS=1)."""
    rows = []
    for p in pids:
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tids:
            try:
                with open(f"/proc/{p}/task/{t}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            rows.append(((int(fields[11]) + int(fields[12])) * 1000 // TICK, name))
    for ms, name in sorted(rows, reverse=True):
        if ms > 0:
            print(f"  thread {ms:6d} ms  {name}", file=sys.stderr)


def read(fd):
    """The next chunk of output; b"" at its end (a pty reports its end as EIO)."""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""


def main(argv):
    tty, ready, prompt, idle, timeout = False, None, None, 10.0, 120.0
    i = 0
    while argv[i] != "--":
        a = argv[i]
        if a == "--tty":
            tty = True
        elif a == "--ready":
            i += 1; ready = re.compile(argv[i].encode())
        elif a == "--prompt":
            i += 1; prompt = argv[i].encode()
        elif a == "--idle":
            i += 1; idle = float(argv[i])
        elif a == "--timeout":
            i += 1; timeout = float(argv[i])
        i += 1
    cmd = argv[i + 1:]
    log = open(os.environ.get("MEASURE_LOG", os.devnull), "ab")

    t0 = time.monotonic()
    if tty:
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(cmd[0], cmd)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    else:
        r, w = os.pipe()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.STDOUT,
                                start_new_session=True)
        os.close(w)
        pid, fd = proc.pid, r

    ready_ms = prompt_ms = None
    buf, lines = b"", b""
    deadline = t0 + timeout
    ok = True
    while (ready is not None and ready_ms is None) or (prompt is not None and prompt_ms is None):
        left = deadline - time.monotonic()
        if left <= 0:
            ok = False
            break
        rl, _, _ = select.select([fd], [], [], left)
        if not rl:
            continue
        chunk = read(fd)
        if not chunk:
            ok = False
            break
        now = time.monotonic()
        log.write(chunk)
        buf += chunk
        if ready is not None and ready_ms is None:
            lines += chunk
            for line in lines.split(b"\n")[:-1] if b"\n" in lines else []:
                if ready.search(line):
                    ready_ms = (now - t0) * 1000
                    break
            lines = lines.rsplit(b"\n", 1)[-1] if b"\n" in lines else lines
        if prompt is not None and prompt_ms is None and prompt in buf:
            prompt_ms = (now - t0) * 1000
        buf = buf[-4096:]
    cpu = cpu_ms(tree(pid))
    if os.environ.get("MEASURE_THREADS"):
        threads(tree(pid))

    # Keep draining output while idle, so that a full pty buffer never blocks the program.
    rss = None
    if ok:
        end = time.monotonic() + idle
        while (left := end - time.monotonic()) > 0:
            rl, _, _ = select.select([fd], [], [], left)
            if rl:
                chunk = read(fd)
                if not chunk:
                    ok = False
                    break
                log.write(chunk)
        if ok:
            rss = rss_mb(tree(pid))
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]

    pids = tree(pid)
    for p in reversed(pids):
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        except ChildProcessError:
            break
        rl, _, _ = select.select([fd], [], [], 0.1)
        if rl:
            log.write(read(fd))
    else:
        for p in tree(pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        os.waitpid(pid, 0)
    # Karaf's bin/karaf leaves nothing behind after SIGTERM, but be sure no descendant survives.
    for p in pids:
        try:
            os.kill(p, 0)
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    os.close(fd)

    fmt = lambda v: "-" if v is None else f"{v:.0f}"
    print(f"ready_ms={fmt(ready_ms)} prompt_ms={fmt(prompt_ms)} cpu_ms={cpu} rss_mb={fmt(rss)} load={load}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
