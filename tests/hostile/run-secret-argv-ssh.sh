#!/usr/bin/env bash
# run-secret-argv-ssh.sh: tests/hostile/run-secret-argv.sh over ssh:// through a real sshd on
# 127.0.0.1 (tests/ssh/sshd-harness.sh; skipped when there is none).
SECRET_ARGV_SSH=1 exec bash "$HOTPLAN_SOURCE_DIR/tests/hostile/run-secret-argv.sh"
