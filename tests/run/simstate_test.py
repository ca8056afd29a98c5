"""simstate_test.py (run-simstate.sh): the simulated target's saved state, JOURNAL.sim
(runtime/sim_state.h, docs/journal.md "The simulated target's state"):
  - a run saves it in the documented format: "HPSS", version 1, the body's length, the plan's
    hash (the journal header's), nnodes, ngroups, nv, the owners and values, a CRC-32 of all
    that, every integer little-endian;
  - a resume reads it back and finishes the run;
  - a resume refuses a state that is damaged (a flipped bit), cut short, longer than written,
    saved by an older hotplan (host byte order, "HPSIM001"), for another plan, or not a saved
    state at all: exit 2 with the decoder's reason, the journal, the last-run record and the
    saved state unchanged, nothing acted."""
import os
import signal
import struct
import zlib

from hp_e2e import TARGET, Sandbox, Suite, decode, ev_is, journal_problems, run_args

S = Suite("run-simstate")
KIND = "standalone"


def parse(data):
    """The fields of a saved state, or a string saying what is wrong with it."""
    if len(data) < 16 or data[:4] != b"HPSS":
        return "no HPSS magic"
    version, body = struct.unpack_from("<II", data, 4)
    if version != 1:
        return "version %d" % version
    if len(data) != 12 + body + 4:
        return "%d bytes, the header says %d" % (len(data), 12 + body + 4)
    (crc,) = struct.unpack_from("<I", data, 12 + body)
    if crc != zlib.crc32(data[:12 + body]):
        return "CRC mismatch"
    plan_hash = data[12:44].hex()
    nnodes, ngroups, nv = struct.unpack_from("<III", data, 44)
    if body != 44 + 8 * ngroups + nv:
        return "body %d bytes for %d groups and %d values" % (body, ngroups, nv)
    owners = struct.unpack_from("<%dQ" % ngroups, data, 56)
    values = data[56 + 8 * ngroups:12 + body]
    return {"plan_hash": plan_hash, "nnodes": nnodes, "ngroups": ngroups, "nv": nv, "owners": owners,
            "values": values}


def killed_run(sb, j, actions):
    """A run killed with kill -9 once `actions` actions are done: its saved state's bytes."""
    lv = sb.spawn(*run_args(KIND, pace="150ms", journal=j))
    lv.wait_for(ev_is("action-done"), actions)
    lv.send(signal.SIGKILL)
    lv.finish()
    with open(j + ".sim", "rb") as f:
        return f.read()


def refused(sb, j, data, want, what):
    """resume of journal j with data as its saved state: refused, saying `want`."""
    with open(j + ".sim", "wb") as f:
        f.write(data)
    before, last = open(j, "rb").read(), sb.last(TARGET[KIND])
    r = sb.run("resume", j, "--log", "json")
    S.check(r.rc == 2, "%s: resume exit %s, expected 2" % (what, r.rc), r)
    S.check("saved simulated state: " + want in r.err and j + ".sim" in r.err,
            "%s: the refusal does not name the file and say \"saved simulated state: %s\"" % (what, want), r)
    S.check(open(j, "rb").read() == before, "%s: the refused resume changed the journal" % what)
    S.check(sb.last(TARGET[KIND]) == last, "%s: the refused resume changed the last-run record" % what)
    S.check(open(j + ".sim", "rb").read() == data, "%s: the refused resume changed the saved state" % what)
    S.check('"action-start"' not in r.out, "%s: the refused resume acted" % what, r)


with Sandbox() as sb:
    j = sb.path("s.journal")
    good = killed_run(sb, j, 2)
    st = parse(good)
    if S.check(isinstance(st, dict), "the saved state is not in the documented format: %s" % st):
        S.check(st["plan_hash"] == decode(j)["header"]["plan_hash"],
                "the saved state's plan hash is not the journal header's")
        S.check(st["nnodes"] == 1, "a standalone target's saved state has %d nodes, expected 1" % st["nnodes"])
        S.check(all(o & ~1 == 0 for o in st["owners"]), "a group's saved owner is not the target's one node")

    body = len(good) - 16
    refused(sb, j, good[:30] + bytes([good[30] ^ 0x10]) + good[31:], "checksum mismatch", "a flipped bit")
    refused(sb, j, good[:-1], "truncated", "the last byte cut")
    refused(sb, j, good + b"\0", "%d bytes where %d were written" % (len(good) + 1, len(good)), "a byte added")
    old = b"HPSIM001" + struct.pack("=III", 1, 1, 1) + bytes(9)
    refused(sb, j, old, "saved by an older hotplan", "the format before version 1")
    refused(sb, j, b"hello, world\n", "not a saved simulated state", "another file")
    other = bytearray(good)
    other[12] ^= 0xff   # another plan's hash, with a right CRC
    other[-4:] = struct.pack("<I", zlib.crc32(bytes(other[:-4])))
    refused(sb, j, bytes(other), "saved for another plan", "another plan's state")

    # the state as the run saved it: the resume goes on from it and completes
    with open(j + ".sim", "wb") as f:
        f.write(good)
    r = sb.run("resume", j, "--log", "json")
    S.check(r.rc == 0, "resume with the state the run saved: exit %s, expected 0" % r.rc, r)
    if r.rc == 0:
        probs = journal_problems(decode(j)["records"], KIND)
        S.check(not probs, "resume with the state the run saved: the journal: %s" % "; ".join(probs))

# the final state is the same whether or not the run was killed and resumed
with Sandbox() as sb:
    j = sb.path("u.journal")
    r = sb.run(*run_args(KIND, journal=j))
    S.check(r.rc == 0, "an uninterrupted run: exit %s" % r.rc, r)
    whole = open(j + ".sim", "rb").read()
with Sandbox() as sb:
    j = sb.path("k.journal")
    killed_run(sb, j, 3)
    r = sb.run("resume", j, "--log", "json")
    S.check(r.rc == 0, "resume of a killed run: exit %s" % r.rc, r)
    S.check(open(j + ".sim", "rb").read() == whole,
            "a killed and resumed run saved another final state than the uninterrupted run")

S.finish()
