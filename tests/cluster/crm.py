#!/usr/bin/env python3
"""crm.py: read Pacemaker's XML (crm_mon --output-as=xml, cibadmin -Q) from stdin with a real
XML parser and answer one question. Used by lab.sh and the real-cluster tests.

  crm.py online NODE...   exit 0 when a DC is elected, the partition has quorum and every NODE
                          is online (not pending, unclean, in standby or shutting down);
                          otherwise print why on one line and exit 1
  crm.py where RSC        print the node a resource or group runs on (every member Started on
                          that one node) and exit 0; otherwise print why and exit 1
  crm.py summary          one line: the DC, quorum, each node's state, each group's node
  crm.py constraints      the ids of the constraints in a CIB section, one a line
  crm.py node NODE ATTR   print the attribute ATTR of NODE's <node> in crm_mon's XML (standby,
                          maintenance: "true" or "false"); exit 1 when there is no such node

Exit status 2: the input is not the XML asked for.
"""

import sys
import xml.etree.ElementTree as ET


def load():
    data = sys.stdin.read()
    try:
        return ET.fromstring(data)
    except ET.ParseError as e:
        print(f"not XML ({e}): {data[:200]!r}")
        sys.exit(2)


def crm_result(root):
    if root.tag != "pacemaker-result":
        print(f"not crm_mon output: root element <{root.tag}>")
        sys.exit(2)
    status = root.find("status")
    if status is not None and status.get("code") != "0":
        print(f"crm_mon: {status.get('message')} (code {status.get('code')})")
        sys.exit(1)
    return root


def node_states(root):
    states = {}
    for node in root.iterfind("nodes/node"):
        if node.get("online") != "true":
            state = "offline"
        elif node.get("unclean") == "true":
            state = "unclean"
        elif node.get("pending") == "true":
            state = "pending"
        elif node.get("shutdown") == "true":
            state = "shutting-down"
        elif node.get("standby") == "true":
            state = "standby"
        else:
            state = "online"
        states[node.get("name")] = state
    return states


def dc_and_quorum(root):
    dc = root.find("summary/current_dc")
    if dc is None or dc.get("present") != "true":
        return None, False
    return dc.get("name"), dc.get("with_quorum") == "true"


def members(root, rsc):
    """The primitives of group or resource RSC, or None when the status has no such id."""
    for group in root.iterfind("resources/group"):
        if group.get("id") == rsc:
            return list(group.iterfind("resource"))
    for res in root.iter("resource"):
        if res.get("id") == rsc:
            return [res]
    return None


def where(root, rsc):
    """(node, None) when every member of RSC is Started on one node, else (None, why)."""
    prims = members(root, rsc)
    if prims is None:
        return None, f"no resource {rsc}"
    if not prims:
        return None, f"{rsc} has no members"
    nodes = set()
    for p in prims:
        on = [n.get("name") for n in p.iterfind("node")]
        if p.get("role") != "Started" or p.get("failed") == "true" or len(on) != 1:
            return None, f"{p.get('id')} is {p.get('role')} on {','.join(on) or 'no node'}"
        nodes.add(on[0])
    if len(nodes) != 1:
        return None, f"{rsc} is split over {','.join(sorted(nodes))}"
    return nodes.pop(), None


def cmd_online(root, wanted):
    crm_result(root)
    why = []
    dc, quorum = dc_and_quorum(root)
    if dc is None:
        why.append("no DC")
    elif not quorum:
        why.append("no quorum")
    states = node_states(root)
    for name in wanted:
        state = states.get(name, "unknown")
        if state != "online":
            why.append(f"{name} {state}")
    if why:
        print(", ".join(why))
        return 1
    return 0


def cmd_where(root, rsc):
    crm_result(root)
    node, why = where(root, rsc)
    print(node if node else why)
    return 0 if node else 1


def cmd_summary(root):
    crm_result(root)
    dc, quorum = dc_and_quorum(root)
    words = [f"dc={dc or 'none'}", f"quorum={'yes' if quorum else 'no'}"]
    words += [f"{n}={s}" for n, s in sorted(node_states(root).items())]
    for group in root.iterfind("resources/group"):
        node, _ = where(root, group.get("id"))
        words.append(f"{group.get('id')}={node or 'stopped-or-moving'}")
    print(" ".join(words))
    return 0


def cmd_constraints(root):
    if root.tag != "constraints":
        print(f"not a constraints section: root element <{root.tag}>")
        return 2
    for c in root:
        print(c.get("id"))
    return 0


def cmd_node(root, node, attr):
    crm_result(root)
    for n in root.iterfind("nodes/node"):
        if n.get("name") == node:
            print(n.get(attr, ""))
            return 0
    print(f"no node {node}")
    return 1


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "online" and args:
        return cmd_online(load(), args)
    if cmd == "where" and len(args) == 1:
        return cmd_where(load(), args[0])
    if cmd == "summary" and not args:
        return cmd_summary(load())
    if cmd == "node" and len(args) == 2:
        return cmd_node(load(), args[0], args[1])
    if cmd == "constraints" and not args:
        return cmd_constraints(load())
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
