#!/usr/bin/env python3
"""Generate an Ansible playbook equivalent to a bench/genplan.py plan.

The playbook mirrors the plan's structure with ansible-core's own modules (so
that `ansible-playbook --syntax-check` needs no collection): two plays, one for
a stand-alone server and one for a two-node cluster, each a run of maintenance
blocks followed by the hotfix procedure. A plan step is one task; a plan
checkpoint is a `block:` whose `rescue:` holds the rollback tasks; `if deep`
is a pair of tasks with `when: deep` and `when: not deep`.

`--tasks N` writes exactly N step tasks (rescue tasks, the equivalent of the
plan's checkpoint actions, come on top, as checkpoints do in the plan; the
summary gives both counts). Standard library only.
"""

import argparse
import sys

OS_NAME = "Windows Server 2003"


def task(name, module, args, extra=None):
    """One task: a list of YAML lines, starting with '- name:'."""
    L = ['- name: "%s"' % name, "  %s:" % module]
    for k, v in args:
        L.append("    %s: %s" % (k, v))
    for line in extra or []:
        L.append("  " + line)
    return L


def indent(lines, n):
    pad = " " * n
    return [pad + line if line else line for line in lines]


def node_extra(cluster, node):
    return ['delegate_to: "{{ %s_node }}"' % node] if cluster else []


def maintenance_block(k, cluster, with_if):
    """(first task, the tasks after the rollback point, rescue tasks) of block k."""
    node = "active" if k % 2 == 0 else "passive"
    on = node_extra(cluster, node)
    first = task("b%d: Dismount the stores that are not affected" % k, "ansible.builtin.command",
                 [("cmd", '"hpstores dismount --not-in {{ affected | join(\',\') }}"')])
    rest = [
        task("b%d: Stop the web front end" % k, "ansible.builtin.service",
             [("name", "W3SVC"), ("state", "stopped")], on),
        task("b%d: Let the clients drain" % k, "ansible.builtin.wait_for", [("timeout", "1")]),
        task("b%d: The operating system is the expected one" % k, "ansible.builtin.assert",
             [("that", '"ansible_facts[\'os_name\'] | default(\'\') == \'%s\'"' % OS_NAME),
              ("fail_msg", '"unexpected operating system"')]),
    ]
    if with_if:
        rest.append(task("b%d: Check the Exchange version" % k, "ansible.builtin.assert",
                         [("that", '"exchange_version is version(\'6.5.7226.0\', \'>=\')"')],
                         ["when: deep | bool"]))
        rest.append(task("b%d: Short settle" % k, "ansible.builtin.wait_for",
                         [("timeout", "1")], ["when: not (deep | bool)"]))
    rest += [
        task("b%d: Start the web front end" % k, "ansible.builtin.service",
             [("name", "W3SVC"), ("state", "started")], on),
        task("b%d: The web front end runs" % k, "ansible.builtin.assert",
             [("that", '"ansible_facts.services[\'W3SVC\'].state == \'running\'"')]),
        task("b%d: Mount the stores dismounted in this block" % k, "ansible.builtin.command",
             [("cmd", '"hpstores mount --not-in {{ affected | join(\',\') }}"')]),
        task("b%d: The stores are mounted again" % k, "ansible.builtin.command",
             [("cmd", '"hpstores verify-mounted --not-in {{ affected | join(\',\') }}"')],
             ["changed_when: false"]),
    ]
    rescue = [
        task("b%d rollback: start the web front end" % k, "ansible.builtin.service",
             [("name", "W3SVC"), ("state", "started")], on),
        task("b%d rollback: mount the stores that are not affected" % k, "ansible.builtin.command",
             [("cmd", '"hpstores mount --not-in {{ affected | join(\',\') }}"')]),
        task("b%d rollback: the run ends as rolled back" % k, "ansible.builtin.fail",
             [("msg", '"rolled back to checkpoint b%d_safe"' % k)]),
    ]
    return first, rest, rescue


def hotfix_tasks(cluster):
    """The hotfix procedure of SPEC section 3, as tasks (no rollback blocks: kept flat)."""
    if not cluster:
        return [
            task("Dismount the stores that are not affected", "ansible.builtin.command",
                 [("cmd", '"hpstores dismount --not-in {{ affected | join(\',\') }}"')]),
            task("Force the Information Store to stop", "ansible.builtin.command",
                 [("cmd", '"taskkill /F /IM store.exe"')]),
            task("Apply the hotfix", "ansible.builtin.command",
                 [("cmd", '"hotfix/ese-6.5.7232.54.exe /quiet"')]),
            task("The Information Store runs again", "ansible.builtin.service",
                 [("name", "MSExchangeIS"), ("state", "started")]),
            task("Permit time for recovery", "ansible.builtin.command",
                 [("cmd", '"hpstores wait-mounted --in {{ affected | join(\',\') }} --timeout 2h"')]),
            task("Mount the stores dismounted in the first step", "ansible.builtin.command",
                 [("cmd", '"hpstores mount --not-in {{ affected | join(\',\') }}"')]),
        ]
    P, A = node_extra(True, "passive"), node_extra(True, "active")
    return [
        task("The passive node owns no groups", "ansible.builtin.command",
             [("cmd", '"cluster group /node:{{ passive_node }}"')], P + ["changed_when: false"]),
        task("Stop the Cluster service on the passive node", "ansible.builtin.service",
             [("name", "ClusSvc"), ("state", "stopped")], P),
        task("Install the hotfix on the passive node", "ansible.builtin.command",
             [("cmd", '"hotfix/ese-6.5.7232.54.exe /quiet"')], P),
        task("Restart the passive node", "ansible.builtin.reboot",
             [("reboot_timeout", "1800")], P),
        task("Set the Information Store instance to Do not restart", "ansible.builtin.command",
             [("cmd", '"cluster res \\"Exchange Information Store Instance\\" /prop RestartAction=0"')]),
        task("Dismount the stores that are not affected", "ansible.builtin.command",
             [("cmd", '"hpstores dismount --not-in {{ affected | join(\',\') }}"')], A),
        task("Force the Information Store to stop", "ansible.builtin.command",
             [("cmd", '"taskkill /F /IM store.exe"')], A),
        task("Move the groups to the patched node", "ansible.builtin.command",
             [("cmd", '"cluster group Exchange /move:{{ passive_node }}"')]),
        task("Stop the Cluster service on the first node", "ansible.builtin.service",
             [("name", "ClusSvc"), ("state", "stopped")], A),
        task("Install the hotfix on the first node", "ansible.builtin.command",
             [("cmd", '"hotfix/ese-6.5.7232.54.exe /quiet"')], A),
        task("Restart the first node", "ansible.builtin.reboot",
             [("reboot_timeout", "1800")], A),
        task("Move the groups back to the first node", "ansible.builtin.command",
             [("cmd", '"cluster group Exchange /move:{{ active_node }}"')], ["when: failback | bool"]),
        task("Set the Information Store instance back to Restart", "ansible.builtin.command",
             [("cmd", '"cluster res \\"Exchange Information Store Instance\\" /prop RestartAction=2"')]),
        task("Permit time for recovery", "ansible.builtin.command",
             [("cmd", '"hpstores wait-mounted --in {{ affected | join(\',\') }} --timeout 2h"')]),
        task("Mount the stores that were dismounted", "ansible.builtin.command",
             [("cmd", '"hpstores mount --not-in {{ affected | join(\',\') }}"')]),
    ]


def play(cluster, budget, if_every):
    """YAML lines of one play with exactly `budget` step tasks; (lines, rescue task count)."""
    tail = hotfix_tasks(cluster)
    if len(tail) > budget:
        tail = tail[:budget]
    budget -= len(tail)
    body = []
    rescues = 0
    k = 0
    while budget > 0:
        with_if = if_every > 0 and k % if_every == 0
        first, rest, rescue = maintenance_block(k, cluster, with_if)
        budget -= 1
        rest = rest[:budget]
        budget -= len(rest)
        body += indent(first, 0)
        if rest:
            body.append('- name: "b%d: rollback point b%d_safe"' % (k, k))
            body.append("  block:")
            for t in rest:
                body += indent(t, 4)
            body.append("  rescue:")
            for t in rescue:
                body += indent(t, 4)
            rescues += len(rescue)
        k += 1
    L = ["- name: \"%s\"" % ("Ese.dll hotfix, two-node cluster" if cluster
                             else "Ese.dll hotfix, stand-alone server"),
         "  hosts: %s" % ("exchange_cluster" if cluster else "exchange_standalone"),
         "  gather_facts: false",
         "  vars:",
         "    affected: []",
         "    deep: false"]
    if cluster:
        L += ["    failback: false",
              "    active_node: \"{{ groups['exchange_cluster'][0] | default('node1') }}\"",
              "    passive_node: \"{{ groups['exchange_cluster'][1] | default('node2') }}\""]
    L.append("  tasks:")
    L += indent(body, 4)
    for t in tail:
        L += indent(t, 4)
    return L, rescues


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, required=True,
                    help="step tasks in all (split between the two plays, as a plan's steps are)")
    ap.add_argument("--if-every", type=int, default=3, metavar="K",
                    help="a deep/quick pair of tasks in every K-th block (0: none; default 3)")
    ap.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    args = ap.parse_args()
    if args.tasks < 2:
        ap.error("--tasks must be at least 2")

    sa, sa_rescues = play(False, args.tasks // 2, args.if_every)
    cl, cl_rescues = play(True, args.tasks - args.tasks // 2, args.if_every)
    lines = ["---", "# Generated by bench/genplaybook.py: %d tasks. Do not edit." % args.tasks]
    lines += sa + cl
    text = "\n".join(lines) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    print("genplaybook: tasks=%d rescue_tasks=%d lines=%d bytes=%d"
          % (args.tasks, sa_rescues + cl_rescues, text.count("\n"), len(text.encode("utf-8"))),
          file=sys.stderr)


if __name__ == "__main__":
    main()
