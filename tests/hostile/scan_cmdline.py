#!/usr/bin/env python3
"""scan_cmdline.py: look for a secret in every process's argv while a run goes on.

    scan_cmdline.py SECRET_FILE DONE_FILE

Reads /proc/*/cmdline of every process, again and again (every 5 ms), until DONE_FILE
exists; the secret comes from SECRET_FILE, so that it is not in this scanner's own argv. Prints
each process whose argv held it (pid and argv) and exits 1 when there was one, 0 when none did
in all the passes; the number of passes and of processes seen go to stderr. A secret in
argv can be read by every local user (/proc/PID/cmdline is world-readable).
"""
import os
import sys
import time


def main():
    secret = open(sys.argv[1], "rb").read()
    done = sys.argv[2]
    me = str(os.getpid())
    found = {}
    passes = seen = 0
    while True:
        last = os.path.exists(done)
        passes += 1
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or pid == me:
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read()
            except OSError:
                continue
            seen += 1
            if secret in argv:
                found[pid] = argv.replace(b"\0", b" ").decode(errors="replace")
        if last:
            break
        time.sleep(0.005)
    print("scan_cmdline: %d passes, %d process argvs read" % (passes, seen), file=sys.stderr)
    for pid, argv in sorted(found.items()):
        print("pid %s: %s" % (pid, argv))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
