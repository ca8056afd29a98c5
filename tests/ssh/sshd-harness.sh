# sshd-harness.sh: a real sshd on 127.0.0.1 for ssh:// tests. Source it from bash:
#
#   . "$HOTPLAN_SOURCE_DIR/tests/ssh/sshd-harness.sh"    # exits 77 with "SKIP: ..." if it cannot
#
# (77 is what ctest counts as skipped: the scripts that source this have SKIP_RETURN_CODE 77,
# tests/CMakeLists.txt.)
#
# It generates a host key and a client key in a temporary directory, starts /usr/sbin/sshd on
# a free port on 127.0.0.1 as the current user (root in CI: then /run/sshd, the privilege
# separation directory, is created if missing), waits until it listens, and exports:
#
#   SSHD_DIR                 the temporary directory (keys, config, log: $SSHD_DIR/sshd.log)
#   SSH_TARGET_HOST          127.0.0.1
#   SSH_TARGET_PORT          the port
#   SSH_TARGET_USER          the current user
#   SSH_TARGET_URL           ssh://USER@127.0.0.1:PORT
#   SSH_TEST_KEY             the client's private key
#   SSH_TEST_KNOWN_HOSTS     a known_hosts file with the host key for [127.0.0.1]:PORT
#   HOTPLAN_SSH_OPTIONS      "-F none -i KEY -o UserKnownHostsFile=FILE -o IdentitiesOnly=yes"
#
# An EXIT trap stops sshd (and any ssh master left on its sockets) and removes the
# directory; a script that sets its own EXIT trap must call sshd_harness_stop from it.
# Set SSHD_HARNESS_KEEP=1 to keep the directory for a post-mortem, SSHD_HARNESS_PORT to try
# that port first.

sshd_harness_stop() {
	local pid
	if [[ -n "${SSHD_DIR:-}" && -d "$SSHD_DIR" ]]; then
		if [[ -s "$SSHD_DIR/sshd.pid" ]]; then
			pid=$(<"$SSHD_DIR/sshd.pid")
			kill "$pid" 2>/dev/null || true
		fi
		if [[ -n "${SSHD_HARNESS_PID:-}" ]]; then
			kill "$SSHD_HARNESS_PID" 2>/dev/null || true
			wait "$SSHD_HARNESS_PID" 2>/dev/null || true
		fi
		if [[ -z "${SSHD_HARNESS_KEEP:-}" ]]; then
			rm -rf "$SSHD_DIR"
		else
			echo "sshd-harness: kept $SSHD_DIR" >&2
		fi
	fi
	SSHD_HARNESS_PID=
}

sshd_harness_start() {
	local sshd=${SSHD:-/usr/sbin/sshd} user port try pid i
	if [[ ! -x "$sshd" ]] || ! command -v ssh-keygen >/dev/null 2>&1 || [[ ! -x /usr/bin/ssh ]]; then
		echo "SKIP: no sshd ($sshd, ssh-keygen and /usr/bin/ssh are needed: apt-get install openssh-server openssh-client)"
		exit 77
	fi
	if ((EUID == 0)) && [[ ! -d /run/sshd ]]; then
		mkdir -p -m 0755 /run/sshd
	fi
	user=$(id -un)
	SSHD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hp-sshd-XXXXXX")
	chmod 0700 "$SSHD_DIR"
	trap sshd_harness_stop EXIT
	ssh-keygen -q -t ed25519 -N '' -C hotplan-test-host -f "$SSHD_DIR/host_ed25519" </dev/null
	ssh-keygen -q -t ed25519 -N '' -C hotplan-test-client -f "$SSHD_DIR/client_ed25519" </dev/null
	cp "$SSHD_DIR/client_ed25519.pub" "$SSHD_DIR/authorized_keys"
	chmod 0600 "$SSHD_DIR/authorized_keys"

	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ((try == 1)) && [[ -n "${SSHD_HARNESS_PORT:-}" ]]; then
			port=$SSHD_HARNESS_PORT # the first try only: a taken port falls back to random ones
		fi
		cat >"$SSHD_DIR/sshd_config" <<-CONF
			ListenAddress 127.0.0.1:$port
			HostKey $SSHD_DIR/host_ed25519
			PidFile $SSHD_DIR/sshd.pid
			AuthorizedKeysFile $SSHD_DIR/authorized_keys
			AllowUsers $user
			PermitRootLogin prohibit-password
			PubkeyAuthentication yes
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			MaxSessions 64
			MaxStartups 64
			LogLevel VERBOSE
		CONF
		: >"$SSHD_DIR/sshd.log"
		rm -f "$SSHD_DIR/sshd.pid"
		"$sshd" -D -e -f "$SSHD_DIR/sshd_config" </dev/null 2>>"$SSHD_DIR/sshd.log" &
		SSHD_HARNESS_PID=$!
		# ready when it has written its pid file (after binding); gone when the port was taken
		for i in $(seq 1 100); do
			if [[ -s "$SSHD_DIR/sshd.pid" ]]; then
				break
			fi
			if ! kill -0 "$SSHD_HARNESS_PID" 2>/dev/null; then
				break
			fi
			sleep 0.05
		done
		if [[ -s "$SSHD_DIR/sshd.pid" ]] && kill -0 "$SSHD_HARNESS_PID" 2>/dev/null; then
			break
		fi
		wait "$SSHD_HARNESS_PID" 2>/dev/null || true
		SSHD_HARNESS_PID=
		if ! grep -qi 'address already in use\|bind to port' "$SSHD_DIR/sshd.log"; then
			echo "sshd-harness: sshd did not start:" >&2
			cat "$SSHD_DIR/sshd.log" >&2
			exit 1
		fi
	done
	if [[ -z "${SSHD_HARNESS_PID:-}" ]]; then
		echo "sshd-harness: no free port after 10 tries" >&2
		cat "$SSHD_DIR/sshd.log" >&2
		exit 1
	fi

	printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" >"$SSHD_DIR/known_hosts"
	export SSHD_DIR SSHD_HARNESS_PID
	export SSH_TARGET_HOST=127.0.0.1 SSH_TARGET_PORT=$port SSH_TARGET_USER=$user
	export SSH_TARGET_URL="ssh://$user@127.0.0.1:$port"
	export SSH_TEST_KEY=$SSHD_DIR/client_ed25519 SSH_TEST_KNOWN_HOSTS=$SSHD_DIR/known_hosts
	export HOTPLAN_SSH_OPTIONS="-F none -i $SSH_TEST_KEY -o UserKnownHostsFile=$SSH_TEST_KNOWN_HOSTS -o IdentitiesOnly=yes"

	# one real login, so that a broken setup fails here with sshd's log, not in a test
	if ! /usr/bin/ssh $HOTPLAN_SSH_OPTIONS -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-p "$port" -l "$user" -- 127.0.0.1 true </dev/null 2>"$SSHD_DIR/first-login.err"; then
		echo "sshd-harness: cannot log in to the test sshd:" >&2
		cat "$SSHD_DIR/first-login.err" "$SSHD_DIR/sshd.log" >&2
		exit 1
	fi
}

sshd_harness_start
