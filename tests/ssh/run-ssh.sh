#!/usr/bin/env bash
# run-ssh.sh: the ssh:// transport against a real sshd on 127.0.0.1 (sshd-harness.sh): output
# and exit status, hostile data, the ControlMaster socket, strict host keys, refused
# connections, timeouts and aborts that kill the remote command, and the cost of a command.
# The checks are the ssh group of the unit test binary test_transport (HOTPLAN_SSH_TEST=1).
set -euo pipefail
: "${HOTPLAN_SOURCE_DIR:?}" "${HOTPLAN_BUILD_DIR:?}"
bin=$HOTPLAN_BUILD_DIR/tests/test_transport
if [[ ! -x $bin ]]; then
	echo "run-ssh.sh: $bin is not built" >&2
	exit 1
fi
. "$HOTPLAN_SOURCE_DIR/tests/ssh/sshd-harness.sh"
echo "sshd on $SSH_TARGET_URL (pid $SSHD_HARNESS_PID)"
status=0
HOTPLAN_SSH_TEST=1 "$bin" || status=$?
if ((status != 0)); then
	echo "---- sshd log ----"
	tail -n 50 "$SSHD_DIR/sshd.log"
fi
exit "$status"
