#!/usr/bin/env bash
# lab.sh: a real two-node Pacemaker + Corosync cluster on this one machine (docs/lab.md).
#
#   lab.sh up DIR             make the lab in DIR, start both nodes and their sshd, wait until
#                             the cluster is online, create the group lab-group, wait until it runs
#   lab.sh down DIR           kill everything the lab runs and delete its namespaces (always safe)
#   lab.sh status DIR         namespaces, each node's processes, crm_mon's summary
#   lab.sh wait-online DIR    until both nodes are online, a DC is elected and there is quorum
#   lab.sh node-stop DIR N    stop node N's stack gracefully: pacemakerd, then corosync
#   lab.sh node-start DIR N   start node N's stack (after a node-kill: node-fence first)
#   lab.sh node-kill DIR N    kill -9 corosync and pacemakerd on node N
#   lab.sh node-fence DIR N   what fencing does to node N: all its processes killed, /run and
#                             /dev/shm emptied; sshd starts again, the stack stays down
#   lab.sh exec DIR N CMD...  run CMD inside node N's namespaces
#   lab.sh crm-mon DIR        crm_mon -1 --output-as=xml from the first node whose stack answers
#   lab.sh check              exit 0 when the lab can be made here, 77 (and why) when not
#
# Node N (1 or 2) is network namespace hplab-ID-N, where ID is a hash of DIR's absolute path,
# holding one end of a veth pair with 10.251.0.N/24 (those addresses exist only there), and a
# process tree (pid 1: this script's `_init`) in its own mount, UTS, IPC and PID namespaces with
# fresh tmpfs on /run and /dev/shm and per-node directories of DIR bind-mounted over
# /etc/corosync, /etc/ssh, /var/lib/pacemaker, /var/lib/corosync, /var/log/pacemaker,
# /var/log/corosync, /etc/hosts, /etc/hostname, /opt/hotplan-lab and /var/lib/hotplan (hotplan's
# target lock: two labs never share one), and an overlay over
# /var/lib/dpkg (a dpkg database of its own); DIR/shared over /srv/hotplan-lab in both nodes
# (their shared disk). Each node runs sshd on 10.251.0.N:22;
# `ssh -F DIR/ssh_config node1` (or root@10.251.0.1) reaches it with strict host keys, through
# a ProxyCommand that connects from inside the node's network namespace.
#
# Exit status: 0 done; 1 failed, with a message; 2 usage; 77 the lab cannot be made here (not
# root, no namespaces, packages missing). LAB_TIMEOUT (seconds, default 60) bounds every wait.
set -euo pipefail

LAB_SELF=$(realpath -- "${BASH_SOURCE[0]}")
LAB_HERE=$(dirname -- "$LAB_SELF")
LAB_NET=10.251.0
LAB_GROUP=lab-group
LAB_TIMEOUT=${LAB_TIMEOUT:-60}
LAB_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# crm.py needs only the standard library: the system's python3 when there is one (a python3
# earlier in PATH may be a wrapper that costs 0.2 s a start, and the lab polls with it)
LAB_PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
# DIR/nodeN/SOURCE bind-mounted over TARGET inside node N
LAB_BINDS=(
	etc-corosync:/etc/corosync
	etc-ssh:/etc/ssh
	lib-pacemaker:/var/lib/pacemaker
	lib-corosync:/var/lib/corosync
	log-pacemaker:/var/log/pacemaker
	log-corosync:/var/log/corosync
	hosts:/etc/hosts
	hostname:/etc/hostname
	opt:/opt/hotplan-lab
	lib-hotplan:/var/lib/hotplan
)
# What a hotfix changes is node-private: /opt/hotplan-lab above, and dpkg's database, an overlay
# per node over the host's /var/lib/dpkg (its changes in DIR/nodeN/dpkg/upper), with dpkg's log
# DIR/nodeN/dpkg.log over /var/log/dpkg.log. /usr stays shared: a lab package installs under
# /opt/hotplan-lab only (docs/lab.md).
LAB_OPT=/opt/hotplan-lab
# The nodes' shared disk: one host directory, DIR/shared, bind-mounted over /srv/hotplan-lab in
# both nodes, as a failover cluster's shared storage is (run-postgresql.sh keeps PostgreSQL's
# data there, which a Filesystem resource mounts on one node). Nothing arbitrates access: no
# reservation, no fencing (docs/lab.md, "What it lacks").
LAB_SHARED=/srv/hotplan-lab
LAB_TOOLS=(ip unshare nsenter setsid realpath sha256sum corosync corosync-cfgtool pacemakerd
	crm_mon cibadmin crm_attribute crm_resource ssh ssh-keygen nc perl python3)

die() {
	printf 'lab.sh: %s\n' "$*" >&2
	exit 1
}
skip() {
	printf 'lab.sh: cannot make the lab here: %s\n' "$*" >&2
	exit 77
}
usage() {
	sed -n '2,17p' "$LAB_SELF" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# lab_setup DIR: lab_dir (absolute), lab_prefix (the namespaces' name prefix).
lab_setup() {
	local t
	lab_dir=$(realpath -m -- "$1")
	[[ $lab_dir =~ ^/[A-Za-z0-9_./+-]+$ ]] ||
		die "$lab_dir: DIR may hold only letters, digits and _ . / + - (it is written into ssh_config)"
	for t in /run /dev /proc /sys "${LAB_BINDS[@]#*:}" "$LAB_SHARED"; do
		case $lab_dir/ in
		"$t"/*) die "$lab_dir: DIR must not be under $t, which the nodes mount over" ;;
		esac
	done
	lab_prefix=hplab-$(printf '%s' "$lab_dir" | sha256sum | cut -c1-10)
}

node_arg() {
	[[ ${1:-} == 1 || ${1:-} == 2 ]] || die "node must be 1 or 2, not '${1:-}'"
}
ns_of() { printf '%s-%s' "$lab_prefix" "$1"; }
node_dir() { printf '%s/node%s' "$lab_dir" "$1"; }

# ns_pids N: every process in node N's network namespace (host pids), none when it is gone.
ns_pids() {
	[[ -e /run/netns/$(ns_of "$1") ]] || return 0
	ip netns pids "$(ns_of "$1")" 2>/dev/null || true
}

# pids_named N REGEX: the processes of node N whose command name matches REGEX.
pids_named() {
	local p comm
	for p in $(ns_pids "$1"); do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		if [[ $comm =~ $2 ]]; then
			printf '%s\n' "$p"
		fi
	done
}

# is_init PID N: PID is pid 1 of a PID namespace and lives in node N's network namespace.
is_init() {
	local nspid
	nspid=$(awk '/^NSpid:/ { print NF, $NF }' "/proc/$1/status" 2>/dev/null) || return 1
	[[ $nspid == "3 1" ]] &&
		[[ $(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null) == $(stat -L -c %i "/run/netns/$(ns_of "$2")" 2>/dev/null) ]]
}

# init_pid N: the host pid of node N's pid 1, or fail.
init_pid() {
	local f pid
	f=$(node_dir "$1")/init.pid
	pid=$(cat "$f" 2>/dev/null) || die "node $1 of $lab_dir is not up (lab.sh up $lab_dir)"
	is_init "$pid" "$1" || die "node $1 of $lab_dir is gone (pid $pid is not its init)"
	printf '%s\n' "$pid"
}

# in_node N CMD...: CMD in node N's namespaces, from /, with this environment.
in_node() {
	local pid
	pid=$(init_pid "$1")
	shift
	nsenter -t "$pid" -n -m -u -i -p --wd=/ -- "$@"
}

# spawn N LOG CMD...: start daemon CMD in node N, detached (its parent becomes the node's init),
# with a clean environment, stdout and stderr appended to LOG.
spawn() {
	local n=$1 log=$2
	shift 2
	in_node "$n" setsid -f env -i PATH="$LAB_PATH" LC_ALL=C.UTF-8 "$@" </dev/null >>"$log" 2>&1
}

# wait_until WHAT CMD...: run CMD every 0.1 s until it succeeds; fail after LAB_TIMEOUT seconds.
wait_until() {
	local what=$1 start
	shift
	start=$(now)
	until "$@"; do
		if awk -v a="$start" -v b="$(now)" -v t="$LAB_TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
			die "$what: not after ${LAB_TIMEOUT} s"
		fi
		sleep 0.1
	done
}

# ---- making the lab -----------------------------------------------------------------------

preflight() {
	local t missing=()
	((EUID == 0)) || skip "not root (network namespaces and mounts need CAP_SYS_ADMIN)"
	for t in "${LAB_TOOLS[@]}"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[[ -x /usr/sbin/sshd ]] || missing+=(/usr/sbin/sshd)
	[[ -x /usr/lib/ocf/resource.d/heartbeat/Dummy ]] || missing+=(ocf:heartbeat:Dummy)
	getent passwd hacluster >/dev/null || missing+=("user hacluster")
	((${#missing[@]} == 0)) ||
		skip "missing ${missing[*]} (./test.sh --deps installs pacemaker corosync pacemaker-cli-utils resource-agents openssh-server netcat-openbsd)"
	unshare -n -m -u -i -p -f --mount-proc true 2>/dev/null ||
		skip "unshare -n -m -u -i -p -f --mount-proc fails (no CAP_SYS_ADMIN, or namespaces are off)"
}

corosync_conf() {
	cat <<-EOF
		# written by lab.sh
		totem {
		    version: 2
		    cluster_name: hplab
		    transport: knet
		    crypto_cipher: none
		    crypto_hash: none
		    token: 1000
		}
		nodelist {
		    node {
		        ring0_addr: $LAB_NET.1
		        name: node1
		        nodeid: 1
		    }
		    node {
		        ring0_addr: $LAB_NET.2
		        name: node2
		        nodeid: 2
		    }
		}
		quorum {
		    provider: corosync_votequorum
		    two_node: 1
		}
		logging {
		    to_logfile: yes
		    logfile: /var/log/corosync/corosync.log
		    to_stderr: no
		    to_syslog: no
		    timestamp: on
		}
	EOF
}

sshd_config() {
	cat <<-EOF
		# written by lab.sh
		ListenAddress $LAB_NET.$1:22
		HostKey /etc/ssh/ssh_host_ed25519_key
		PidFile /run/sshd.pid
		AuthorizedKeysFile /etc/ssh/authorized_keys
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		MaxSessions 64
		MaxStartups 64
		LogLevel VERBOSE
		Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
}

ssh_config() {
	local n
	printf '# written by lab.sh: ssh -F %s/ssh_config node1 (or root@%s.1)\n' "$lab_dir" "$LAB_NET"
	for n in 1 2; do
		printf 'Host node%s %s.%s\n' "$n" "$LAB_NET" "$n"
		printf '\tHostName %s.%s\n' "$LAB_NET" "$n"
		printf '\tProxyCommand nsenter --net=/run/netns/%s nc %%h %%p\n' "$(ns_of "$n")"
	done
	cat <<-EOF
		Host *
		    User root
		    IdentityFile $lab_dir/id_ed25519
		    IdentitiesOnly yes
		    UserKnownHostsFile $lab_dir/known_hosts
		    GlobalKnownHostsFile /dev/null
		    StrictHostKeyChecking yes
		    BatchMode yes
		    CheckHostIP no
		    ConnectTimeout 10
		    LogLevel ERROR
	EOF
}

# seed_cib FILE: an empty CIB with the lab's cluster options, so that the first start does not
# wait for the default dc-deadtime (20 s) and nothing waits for fencing.
seed_cib() {
	cibadmin --empty >"$1"
	CIB_file=$1 crm_attribute --type crm_config --name dc-deadtime --update 2s
	CIB_file=$1 crm_attribute --type crm_config --name stonith-enabled --update false
	# crm_attribute --type rsc_defaults cannot write a CIB file (it looks up this host's node)
	CIB_file=$1 cibadmin --create -o configuration --xml-text '<rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'
}

# make_node_dir N: node N's private directories, configuration, the CIB and the host key.
make_node_dir() {
	local n=$1 d
	d=$(node_dir "$n")
	# lib-hotplan: hotplan's target lock and last-run record (/var/lib/hotplan/lock), the node's own,
	# so that two labs (two DIRs) never share a lock on nodes of the same name
	mkdir -p "$d"/{etc-corosync,etc-ssh,lib-corosync,log-corosync,lib-hotplan}
	mkdir -p "$d"/lib-pacemaker/{cib,pengine,blackbox,cores} "$d"/log-pacemaker
	chown -R hacluster:haclient "$d"/lib-pacemaker "$d"/log-pacemaker
	chmod 0750 "$d"/lib-pacemaker/*
	chmod 0770 "$d"/log-pacemaker
	corosync_conf >"$d/etc-corosync/corosync.conf"
	printf '127.0.0.1 localhost\n%s.1 node1\n%s.2 node2\n' "$LAB_NET" "$LAB_NET" >"$d/hosts"
	printf 'node%s\n' "$n" >"$d/hostname"

	install -o hacluster -g haclient -m 0600 "$lab_dir/cib.xml" "$d/lib-pacemaker/cib/cib.xml"

	ssh-keygen -q -t ed25519 -N '' -C "node$n-lab-host" -f "$d/etc-ssh/ssh_host_ed25519_key" </dev/null
	cp "$lab_dir/id_ed25519.pub" "$d/etc-ssh/authorized_keys"
	chmod 0600 "$d/etc-ssh/authorized_keys"
	sshd_config "$n" >"$d/etc-ssh/sshd_config"
	mkdir -p "$d"/opt/{bin,packages} "$d"/dpkg/{upper,work}
	: >"$d/dpkg.log"
	stack_helper "$d" >"$d/opt/bin/stack"
	chmod 0755 "$d/opt/bin/stack"
	if [[ -e /etc/ssh/ssh_config ]]; then
		cp /etc/ssh/ssh_config "$d/etc-ssh/ssh_config"
	fi
	printf 'node%s,%s.%s %s\n' "$n" "$LAB_NET" "$n" "$(cut -d' ' -f1,2 "$d/etc-ssh/ssh_host_ed25519_key.pub")" \
		>>"$lab_dir/known_hosts"
}

# make_dir: DIR with only what this lab writes. A DIR that holds other things is refused.
make_dir() {
	local n
	if [[ -d $lab_dir && ! -e $lab_dir/.hotplan-lab ]] && [[ -n $(ls -A "$lab_dir") ]]; then
		die "$lab_dir holds files that are not a lab's: give an empty or new DIR"
	fi
	mkdir -p "$lab_dir"
	# the only things the lab makes outside DIR: empty mount points, never written through
	mkdir -p "$LAB_OPT" "$LAB_SHARED" /var/lib/hotplan
	rm -rf "$lab_dir"/node1 "$lab_dir"/node2 "$lab_dir"/shared
	mkdir -p "$lab_dir"/shared
	rm -f "$lab_dir"/{id_ed25519,id_ed25519.pub,known_hosts,ssh_config,cib.xml}
	printf '%s\n' "$lab_prefix" >"$lab_dir/.hotplan-lab"
	ssh-keygen -q -t ed25519 -N '' -C hotplan-lab-client -f "$lab_dir/id_ed25519" </dev/null
	: >"$lab_dir/known_hosts"
	seed_cib "$lab_dir/cib.xml"
	for n in 1 2; do
		make_node_dir "$n"
	done
	ssh_config >"$lab_dir/ssh_config"
}

make_net() {
	local n ns
	for n in 1 2; do
		ip netns add "$(ns_of "$n")"
	done
	# both ends are made inside the namespaces: no interface ever exists outside them
	ip link add lab0 netns "$(ns_of 1)" type veth peer name lab0 netns "$(ns_of 2)"
	for n in 1 2; do
		ns=$(ns_of "$n")
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$LAB_NET.$n/24" dev lab0
		ip -n "$ns" link set lab0 up
	done
}

# node_ready N: node N's init has mounted everything; records its pid.
node_ready() {
	local p d
	d=$(node_dir "$1")
	[[ -e $d/ready ]] || return 1
	for p in $(ns_pids "$1"); do
		if is_init "$p" "$1"; then
			printf '%s\n' "$p" >"$d/init.pid"
			return 0
		fi
	done
	die "node $1: its init is gone: $(tail -n 5 "$d/init.log" 2>/dev/null)"
}

start_node() {
	local n=$1 d
	d=$(node_dir "$n")
	rm -f "$d/ready" "$d/init.pid"
	setsid ip netns exec "$(ns_of "$n")" unshare -m -u -i -p -f --mount-proc --kill-child \
		-- bash "$LAB_SELF" _init "$lab_dir" "$n" </dev/null >>"$d/init.log" 2>&1 &
	disown
}

# run_dirs: what a booting Debian makes in /run that the lab's daemons need (tmpfiles.d).
run_dirs() {
	install -d -m 0755 /run/sshd
	install -d -m 1777 /run/lock
	install -d -m 1755 /run/resource-agents
}

# node_init N (pid 1 of node N): the node's mounts and hostname, then reap orphans forever.
# The reaper has no child of its own: a daemon's parent exits and the daemon becomes its child.
node_init() {
	local n=$1 d b
	d=$(node_dir "$n")
	mount -t tmpfs -o mode=0755,nosuid,nodev lab-run /run
	mount -t tmpfs -o mode=1777,nosuid,nodev lab-shm /dev/shm
	run_dirs
	for b in "${LAB_BINDS[@]}"; do
		mount --bind "$d/${b%%:*}" "${b#*:}"
	done
	# where overlayfs cannot be mounted (DIR itself on an overlay, say), a copy of its own
	if ! mount -t overlay hplab-dpkg -o "lowerdir=/var/lib/dpkg,upperdir=$d/dpkg/upper,workdir=$d/dpkg/work" \
		/var/lib/dpkg 2>/dev/null; then
		mkdir -p "$d/dpkg/copy"
		cp -a /var/lib/dpkg/. "$d/dpkg/copy/"
		mount --bind "$d/dpkg/copy" /var/lib/dpkg
	fi
	if [[ -f /var/log/dpkg.log ]]; then
		mount --bind "$d/dpkg.log" /var/log/dpkg.log
	fi
	mount --bind "$lab_dir/shared" "$LAB_SHARED"
	hostname "node$n"
	: >"$d/ready"
	exec perl -e '$SIG{CHLD} = sub {}; for (;;) { 1 while waitpid(-1, 0) > 0; select(undef, undef, undef, 1) }'
}

# node_wipe (inside a node, all its processes but init gone): empty /run and /dev/shm, as a boot does.
node_wipe() {
	find /run /dev/shm -mindepth 1 -delete
	run_dirs
}

sshd_ready() { in_node "$1" test -s /run/sshd.pid; }

# stack_helper NODEDIR: the node's /opt/hotplan-lab/bin/stack, which starts and stops its stack
# without systemd, as the pacemaker-lab profile's `start service` and `restart node` do.
stack_helper() {
	cat <<-'EOF'
		#!/bin/bash
		# stack: the lab node's cluster stack, without systemd (written by lab.sh; docs/lab.md)
		#   stack start    corosync, then pacemakerd once corosync-cfgtool -s answers (what runs
		#                  already is left alone; a crashed stack's leftovers are killed first)
		#   stack stop     pacemakerd --shutdown, corosync-cfgtool -H, until both have exited
		#   stack restart  what a reboot does to the node's processes: the stack stopped, every
		#                  other process but init, sshd and this command's own killed, /dev/shm
		#                  and /run/resource-agents emptied, then the stack started
		#   stack up       exit 0: the node is up (it answered)
		set -euo pipefail
		PATH=/usr/sbin:/usr/bin:/sbin:/bin
	EOF
	printf 'OUT=%q
' "$1"
	cat <<-'EOF'
		die() { echo "stack: $*" >&2; exit 1; }
		# until_ok WHAT CMD...: CMD every 0.1 s until it succeeds, at most 120 s
		until_ok() {
			local what=$1 i=0
			shift
			until "$@"; do
				i=$((i + 1))
				((i < 1200)) || die "$what: not after 120 s"
				sleep 0.1
			done
		}
		stopped() { ! pidof corosync pacemakerd pacemaker-controld pacemaker-execd >/dev/null; }
		daemon() {
			local log=$1
			shift
			setsid -f env -i PATH="$PATH" LC_ALL=C.UTF-8 "$@" </dev/null >>"$OUT/$log" 2>&1
		}
		start() {
			if ! pidof pacemakerd >/dev/null && pgrep '^pacemaker' >/dev/null; then
				pkill -KILL '^pacemaker' || true
				until_ok "pacemaker's leftovers to exit" eval '! pgrep "^pacemaker" >/dev/null'
				find /dev/shm -mindepth 1 -delete
			fi
			pidof corosync >/dev/null || daemon corosync.out corosync -f
			until_ok "corosync-cfgtool -s" eval 'corosync-cfgtool -s >/dev/null 2>&1'
			pidof pacemakerd >/dev/null || daemon pacemaker.out 				PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none pacemakerd
		}
		stop() {
			if pidof pacemakerd >/dev/null; then pacemakerd --shutdown >/dev/null; fi
			if pidof corosync >/dev/null; then corosync-cfgtool -H --force >/dev/null; fi
			until_ok "the stack to stop" stopped
		}
		# every process of the node but init, sshd and this command's ancestors
		others() {
			local keep=" 1 " p=$$ comm
			while [[ $p != 0 && $p != 1 ]]; do
				keep+="$p "
				p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")
			done
			for p in /proc/[0-9]*; do
				p=${p#/proc/}
				comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
				[[ $keep == *" $p "* || $comm == sshd ]] || printf '%s
' "$p"
			done
		}
		restart() {
			stop
			local pids
			pids=$(others)
			if [[ -n $pids ]]; then
				# shellcheck disable=SC2086 # one pid a word
				kill -KILL $pids 2>/dev/null || true
			fi
			find /dev/shm /run/resource-agents -mindepth 1 -delete
			start
		}
		case ${1:-} in
		start | stop | restart) "$1" ;;
		up) exit 0 ;;
		*) die "usage: stack start|stop|restart|up" ;;
		esac
	EOF
}

# spawn_sshd N: sshd, which writes its pid file once it listens (sshd_ready).
spawn_sshd() {
	spawn "$1" "$(node_dir "$1")/sshd.log" /usr/sbin/sshd -e
}

ssh_ok() { ssh -F "$lab_dir/ssh_config" "node$1" true </dev/null >/dev/null 2>&1; }

stack_pids() { pids_named "$1" '^(corosync|pacemaker)'; }

start_corosync() {
	[[ -z $(stack_pids "$1") ]] || die "node $1: its stack is running: $(stack_pids "$1" | xargs)"
	spawn "$1" "$(node_dir "$1")/corosync.out" corosync -f
}

corosync_ok() { in_node "$1" corosync-cfgtool -s >/dev/null 2>&1; }

start_pacemaker() {
	spawn "$1" "$(node_dir "$1")/pacemaker.out" \
		PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none pacemakerd
}

group_xml() {
	cat <<-EOF
		<group id="$LAB_GROUP">
		  <primitive id="lab-dummy1" class="ocf" provider="heartbeat" type="Dummy">
		    <operations><op id="lab-dummy1-monitor" name="monitor" interval="10s"/></operations>
		  </primitive>
		  <primitive id="lab-dummy2" class="ocf" provider="heartbeat" type="Dummy">
		    <operations><op id="lab-dummy2-monitor" name="monitor" interval="10s"/></operations>
		  </primitive>
		</group>
	EOF
}

group_runs() { crm_mon_any 2>/dev/null | "$LAB_PYTHON" "$LAB_HERE/crm.py" where "$LAB_GROUP" >/dev/null; }

up_failed() {
	local n f
	echo "lab.sh: up failed; tearing the lab down" >&2
	for n in 1 2; do
		for f in init.log corosync.out pacemaker.out sshd.log log-corosync/corosync.log \
			log-pacemaker/pacemaker.log; do
			if [[ -s $(node_dir "$n")/$f ]]; then
				echo "---- node$n $f (last lines) ----" >&2
				tail -n 10 "$(node_dir "$n")/$f" >&2
			fi
		done
	done
	cmd_down >/dev/null
}

cmd_up() {
	local start n ssh_pid=()
	start=$(now)
	preflight
	cmd_down >/dev/null
	trap 'up_failed' EXIT
	make_dir
	make_net
	for n in 1 2; do
		start_node "$n"
	done
	for n in 1 2; do
		wait_until "node $n: mounts" node_ready "$n"
	done
	for n in 1 2; do
		spawn_sshd "$n"
		start_corosync "$n"
	done
	for n in 1 2; do
		wait_until "node $n: corosync-cfgtool -s" corosync_ok "$n"
		start_pacemaker "$n"
	done
	for n in 1 2; do
		wait_until "node $n: sshd" sshd_ready "$n"
		ssh_ok "$n" &
		ssh_pid[n]=$!
	done
	cmd_wait_online
	group_xml | in_node 1 cibadmin --create -o resources --xml-pipe
	wait_until "$LAB_GROUP started" group_runs
	for n in 1 2; do
		wait "${ssh_pid[n]}" ||
			die "ssh -F $lab_dir/ssh_config node$n fails: $(tail -n 5 "$(node_dir "$n")/sshd.log")"
	done
	trap - EXIT
	echo "lab up in $(elapsed "$start") s: $lab_dir ($lab_prefix-1, $lab_prefix-2); ssh -F $lab_dir/ssh_config node1"
}

# ---- running it ---------------------------------------------------------------------------

cmd_down() {
	local n ns i pids
	for n in 1 2; do
		ns=$(ns_of "$n")
		[[ -e /run/netns/$ns ]] || continue
		for ((i = 0; i < 100; i++)); do
			pids=$(ns_pids "$n")
			[[ -n $pids ]] || break
			# shellcheck disable=SC2086 # one pid a word
			kill -KILL $pids 2>/dev/null || true
			sleep 0.02
		done
		[[ -z $(ns_pids "$n") ]] || die "down: processes in $ns survive kill -9: $(ns_pids "$n" | xargs)"
		ip netns delete "$ns"
	done
	if [[ -d $lab_dir ]]; then
		rm -f "$lab_dir"/node{1,2}/{init.pid,ready}
	fi
	echo "lab down: $lab_dir"
}

# crm_mon_any: crm_mon's XML from the first node whose stack answers.
crm_mon_any() {
	local n xml
	for n in 1 2; do
		[[ -n $(pids_named "$n" '^pacemakerd$') ]] || continue
		if xml=$(in_node "$n" crm_mon -1 --output-as=xml 2>/dev/null); then
			printf '%s\n' "$xml"
			return 0
		fi
	done
	echo "lab.sh: no node's crm_mon answers" >&2
	return 1
}

# online_everywhere: every node's own crm_mon says: DC, quorum, both nodes online. Why not in
# $online_why.
online_everywhere() {
	local n xml
	online_why=
	for n in 1 2; do
		if [[ -z $(pids_named "$n" '^pacemakerd$') ]]; then
			online_why="node$n: pacemakerd is not running"
			return 1
		fi
		xml=$(in_node "$n" crm_mon -1 --output-as=xml 2>/dev/null) || {
			online_why="node$n: crm_mon does not answer"
			return 1
		}
		online_why=$("$LAB_PYTHON" "$LAB_HERE/crm.py" online node1 node2 <<<"$xml") || {
			online_why="node$n sees: $online_why"
			return 1
		}
	done
}

cmd_wait_online() {
	local start
	start=$(now)
	until online_everywhere; do
		if awk -v a="$start" -v b="$(now)" -v t="$LAB_TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
			die "wait-online: not online after ${LAB_TIMEOUT} s: $online_why"
		fi
		sleep 0.1
	done
	echo "online after $(elapsed "$start") s"
}

gone() { [[ -z $(pids_named "$1" "$2") ]]; }

cmd_node_stop() {
	local n=$1 pids
	pids=$(pids_named "$n" '^pacemakerd$')
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one pid a word
		kill -TERM $pids
		wait_until "node $n: pacemaker stopping" gone "$n" '^pacemaker'
	fi
	pids=$(pids_named "$n" '^corosync$')
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one pid a word
		kill -TERM $pids
		wait_until "node $n: corosync stopping" gone "$n" '^corosync$'
	fi
	echo "node$n stopped"
}

cmd_node_kill() {
	local n=$1 pids
	pids=$(pids_named "$n" '^(corosync|pacemakerd)$')
	[[ -n $pids ]] || die "node $n: neither corosync nor pacemakerd is running"
	: >"$(node_dir "$n")/killed"
	# shellcheck disable=SC2086 # one pid a word
	kill -KILL $pids
	echo "node$n: killed corosync and pacemakerd ($(xargs <<<"$pids"))"
}

# all_but_init N INIT: node N's processes other than its init INIT and the unshare that waits
# for it (ssh's ProxyCommands to the node included).
all_but_init() {
	local init=$2 parent p
	parent=$(awk '/^PPid:/ { print $2 }' "/proc/$init/status")
	for p in $(ns_pids "$1"); do
		if [[ $p != "$init" && $p != "$parent" ]]; then
			printf '%s\n' "$p"
		fi
	done
}
only_init() { [[ -z $(all_but_init "$1" "$2") ]]; }

# cmd_node_fence N: what fencing (a power cycle) does to node N, short of a new kernel: every
# process but its init killed, /run and /dev/shm emptied; then sshd starts, its stack does not.
cmd_node_fence() {
	local n=$1 init pids
	init=$(init_pid "$n")
	pids=$(all_but_init "$n" "$init")
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL $pids 2>/dev/null || true
		wait_until "node $n: its processes to end" only_init "$n" "$init"
	fi
	in_node "$n" bash "$LAB_SELF" _wipe "$lab_dir" "$n"
	rm -f "$(node_dir "$n")/killed"
	spawn_sshd "$n"
	wait_until "node $n: sshd" sshd_ready "$n"
	echo "node$n fenced: its processes killed, /run and /dev/shm emptied, sshd started, the stack down"
}

cmd_node_start() {
	local n=$1
	init_pid "$n" >/dev/null
	[[ -z $(pids_named "$n" '^(corosync|pacemakerd)$') ]] || die "node $n: its stack is running"
	# A real cluster fences a node whose stack died before it may rejoin (without that, its
	# resources would still be active there: Pacemaker then finds them active on two nodes).
	if [[ -e $(node_dir "$n")/killed || -n $(stack_pids "$n") ]]; then
		echo "node$n: its stack was killed: fencing it first, as the cluster would have"
		cmd_node_fence "$n"
	fi
	start_corosync "$n"
	wait_until "node $n: corosync-cfgtool -s" corosync_ok "$n"
	start_pacemaker "$n"
	echo "node$n started"
}

cmd_status() {
	local n p xml
	for n in 1 2; do
		if [[ ! -e /run/netns/$(ns_of "$n") ]]; then
			echo "node$n: no namespace $(ns_of "$n")"
			continue
		fi
		echo "node$n: $(ns_of "$n"), $LAB_NET.$n"
		for p in $(ns_pids "$n" | sort -n); do
			printf '  %7s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-100)"
		done
	done
	if xml=$(crm_mon_any 2>/dev/null); then
		"$LAB_PYTHON" "$LAB_HERE/crm.py" summary <<<"$xml"
	else
		echo "no stack answers"
	fi
}

main() {
	local cmd=${1:-} n
	if [[ $cmd == check && $# -eq 1 ]]; then
		preflight
		return 0
	fi
	[[ $# -ge 2 ]] || usage
	lab_setup "$2"
	case $cmd in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	wait-online) cmd_wait_online ;;
	crm-mon) crm_mon_any ;;
	node-stop | node-start | node-kill | node-fence)
		[[ $# -eq 3 ]] || usage
		node_arg "$3"
		"cmd_${cmd//-/_}" "$3"
		;;
	exec)
		[[ $# -ge 4 ]] || usage
		node_arg "$3"
		n=$3
		shift 3
		in_node "$n" "$@"
		;;
	_init) node_init "$3" ;;
	_wipe) node_wipe ;;
	*) usage ;;
	esac
}

main "$@"
