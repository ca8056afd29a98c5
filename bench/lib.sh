# lib.sh: what bench/run-fleet.sh and bench/run-serial.sh share (docs/performance.md). Source it
# from bash. now and fmt time and print; lesser keeps the best of rounds; the ansible_* functions
# are the Ansible harness both compare hotplan with: ansible-playbook on this machine, an
# inventory of host aliases with ansible_connection=local, a playbook of `command: /bin/true`
# tasks, its wall time. Nothing here installs ansible-core (Debian package ansible-core).

now() { date +%s.%N; }

# fmt NUMBER FORMAT: the number in Python's format() spec (.2f, ,.0f)
fmt() { python3 -c 'import sys; print(format(float(sys.argv[1]), sys.argv[2]))' "$@"; }

# lesser BEST T: T when BEST is empty or T is smaller, else BEST (seconds, as bc reads them)
lesser() {
	if [[ -z $1 ]] || (($(echo "$2 < $1" | bc -l))); then
		echo "$2"
	else
		echo "$1"
	fi
}

# ansible_wanted ANSIBLE: true when ANSIBLE is yes (no --no-ansible) and ansible-playbook is here
ansible_wanted() { [[ $1 == yes ]] && command -v ansible-playbook >/dev/null; }

# ansible_hosts FILE N: an inventory of N host aliases h1..hN, each this machine
# (ansible_connection=local)
ansible_hosts() {
	local i
	echo "[all]" >"$1"
	for ((i = 1; i <= $2; i++)); do
		printf 'h%d ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n' "$i" >>"$1"
	done
}

# ansible_true3 FILE: a playbook of 3 `command: /bin/true` tasks a host, no facts gathered
ansible_true3() {
	cat >"$1" <<'YML'
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.command: /bin/true
    - ansible.builtin.command: /bin/true
    - ansible.builtin.command: /bin/true
YML
}

# ansible_time HOSTS PLAYBOOK FORKS OUT: one ansible-playbook run with FORKS forks, its output in
# OUT; prints its wall time in seconds (a failure is said on stderr, the time still printed)
ansible_time() {
	local t0
	t0=$(now)
	ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_FORKS=$3 ansible-playbook -i "$1" -f "$3" "$2" >"$4" 2>&1 ||
		echo "ansible-playbook exited $?" >&2
	echo "$(now) - $t0" | bc -l
}

# ansible_version: the first line of `ansible-playbook --version`
ansible_version() { ansible-playbook --version 2>/dev/null | sed -n 1p; }
