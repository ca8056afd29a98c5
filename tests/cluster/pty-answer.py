#!/usr/bin/env python3
"""pty-answer.py: run a command on a new pseudo-terminal (its controlling terminal) and answer
yes to each question it asks there ("… [y/N] "), as an operator would. Before answering a
`pause` ("pause: TEXT … continue? [y/N] "), run HOOK (sh -c) and answer only once it has
exited 0; a hook that fails answers no. Everything the command writes is copied to stdout.
Exits with the command's exit status (128+N for a signal).

  pty-answer.py [--on-pause HOOK] [--timeout SECONDS] -- COMMAND [ARG...]
"""
import os
import pty
import select
import subprocess
import sys
import time


def main(argv):
    hook, timeout = None, 600.0
    while argv and argv[0] != "--":
        if argv[0] == "--on-pause" and len(argv) > 1:
            hook, argv = argv[1], argv[2:]
        elif argv[0] == "--timeout" and len(argv) > 1:
            timeout, argv = float(argv[1]), argv[2:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[1], argv[1:])
    seen = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, 9)
            print("pty-answer: timed out", file=sys.stderr)
            break
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        seen += data
        if b"[y/N] " not in seen:
            continue
        question, seen = seen, b""
        answer = b"y\n"
        if b"pause: " in question and hook is not None:
            answer = b"y\n" if subprocess.call(["sh", "-c", hook]) == 0 else b"n\n"
        os.write(fd, answer)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
