#!/usr/bin/env python3
"""pg-poll.py: a client that asks PostgreSQL `SELECT 1` every INTERVAL seconds, through the
first of several Unix socket directories that answers, until it is sent SIGTERM or SIGINT;
then it prints what it saw (tests/cluster/run-postgresql.sh, docs/lab.md).

    pg-poll.py [--interval 0.05] [--log FILE] SOCKETDIR...

Each SOCKETDIR is a directory holding PostgreSQL's socket (in the lab, a node's private /run
seen from the host: /proc/PID/root/run/hotplan-pg). A poll answers when psql prints 1 within
a second through one of them; the one that answered last is asked first. It also stops when
its parent is gone (a test killed by kill -9 leaves no client polling).

The summary, one line on stdout:

    polls P answered A outages O downtime D s longest L s (each: L1 L2 ...)

An outage begins at the first poll that got no answer after one that did, and ends when a
poll is answered: its length is from the start of the first failed poll to the end of the
answered one. D is the sum of the outages, L the longest. Polling that never got an answer,
or an outage still open at the end, counts up to the end (and says "open").

Exit status: 0 a summary was printed; 2 usage.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

PSQL = "/usr/lib/postgresql/15/bin/psql"


def answers(sockdir):
    """True when PostgreSQL answers SELECT 1 through sockdir within a second."""
    env = dict(os.environ, PGCONNECT_TIMEOUT="1", PGUSER="postgres", PGDATABASE="postgres")
    try:
        r = subprocess.run([PSQL, "-h", sockdir, "-X", "-A", "-t", "-c", "SELECT 1"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=2, check=False)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0 and r.stdout.strip() == b"1"


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].strip())
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--log", help="one line a poll: time, 1 or 0, the socket dir that answered")
    ap.add_argument("sockdirs", nargs="+")
    args = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    log = open(args.log, "w", buffering=1) if args.log else None

    order = list(args.sockdirs)
    polls = answered = 0
    outages = []            # lengths of the closed outages
    down_since = None       # start of the open outage
    start = time.monotonic()
    parent = os.getppid()
    while not stop:
        if os.getppid() != parent:  # the test was killed (kill -9): stop with it
            break
        t = time.monotonic()
        ok_dir = None
        for d in order:
            if answers(d):
                ok_dir = d
                break
        end = time.monotonic()
        polls += 1
        if ok_dir is not None:
            answered += 1
            order.remove(ok_dir)
            order.insert(0, ok_dir)
            if down_since is not None:
                outages.append(end - down_since)
                down_since = None
        elif down_since is None:
            down_since = t
        if log:
            log.write("%.3f %d %s\n" % (t - start, ok_dir is not None, ok_dir or "-"))
        rest = args.interval - (time.monotonic() - t)
        if rest > 0 and not stop:
            time.sleep(rest)

    still = ""
    if down_since is not None:
        outages.append(time.monotonic() - down_since)
        still = " (open)"
    print("polls %d answered %d outages %d downtime %.3f s longest %.3f s%s (each: %s)"
          % (polls, answered, len(outages), sum(outages), max(outages, default=0.0), still,
             " ".join("%.3f" % o for o in outages) or "none"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
