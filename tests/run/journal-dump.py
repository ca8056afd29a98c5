#!/usr/bin/env python3
"""journal-dump.py: decode a hotplan run journal (docs/journal.md, format version 1).

    journal-dump.py JOURNAL            one JSON object per line: the header, then each record
    journal-dump.py --summary JOURNAL  one JSON object: header, records, torn, valid_end, size

Independent of the C reader on purpose: the tests use it to judge what the runtime wrote.
Exit status: 0 decoded (a torn tail is reported, not an error), 1 bad header or damage
(a valid frame after invalid bytes, but for the one case below; more than two frames of
invalid bytes; a frame with a good CRC that is malformed), 2 usage.

A torn tail (docs/journal.md, "Torn or damaged") is at most two frames: the last record, or
the last two when the one before was appended without a sync of its own. Then the first can
be invalid and the second whole: a valid frame after invalid bytes is still a torn tail when
it is the record after the next one, starts within a frame of the invalid bytes and ends the
file. Both are ignored.
"""
import json
import struct
import sys
import zlib

KINDS = {
    1: "run-start", 2: "run-resume", 3: "checkpoint", 4: "action-start", 5: "action-done",
    6: "action-failed", 7: "step-done", 8: "step-failed", 9: "rollback-start",
    10: "rollback-action-start", 11: "rollback-action-done", 12: "rollback-action-failed",
    13: "rollback-done", 14: "rollback-failed", 15: "run-done", 16: "interrupted",
    17: "action-process",
}
STATUS = {0: "", 1: "completed", 2: "rolled-back", 3: "failed", 4: "unchanged"}
FRAME_MAX = 8192 + 8


class Bad(Exception):
    pass


class Reader:
    def __init__(self, b, off=0, end=None):
        self.b, self.o = b, off
        self.end = len(b) if end is None else end

    def take(self, n):
        if self.o + n > self.end:
            raise Bad("runs past its end at byte %d" % self.o)
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def u16(self):
        return struct.unpack("<H", self.take(2))[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def i32(self):
        return struct.unpack("<i", self.take(4))[0]

    def i64(self):
        return struct.unpack("<q", self.take(8))[0]

    def s(self):
        raw = self.take(self.u16())
        if b"\0" in raw:
            raise Bad("NUL inside a string at byte %d" % self.o)
        return raw.decode("utf-8", "surrogateescape")


def header(b):
    if len(b) < 16 or b[:4] != b"HPJ1":
        raise Bad("not a journal (magic)")
    r = Reader(b, 4)
    version = r.u32()
    blen = r.u32()
    if version != 1:
        raise Bad("format version %d" % version)
    if blen > (1 << 20) or 12 + blen + 4 > len(b):
        raise Bad("incomplete header")
    crc = struct.unpack_from("<I", b, 12 + blen)[0]
    if zlib.crc32(b[:12 + blen]) & 0xffffffff != crc:
        raise Bad("header CRC mismatch")
    r = Reader(b, 12, 12 + blen)
    h = {"version": version, "plan_hash": r.take(32).hex(), "start_ns": r.i64(), "run": r.s(),
         "plan": r.s(), "target": r.s()}
    n = r.u32()
    h["vars"] = [r.s() for _ in range(n)]
    if r.o != r.end:
        raise Bad("trailing bytes in the header")
    return h, 12 + blen + 4


def frame_at(b, off):
    """The frame at off: (record dict, next offset), or raise Bad."""
    if off + 4 > len(b):
        raise Bad("a cut length field at byte %d" % off)
    length = struct.unpack_from("<I", b, off)[0]
    if length < 66 or length > 8192:
        raise Bad("length %d out of range at byte %d" % (length, off))
    if off + 4 + length + 4 > len(b):
        raise Bad("a frame of %d bytes runs past the end at byte %d" % (length, off))
    crc = struct.unpack_from("<I", b, off + 4 + length)[0]
    if zlib.crc32(b[off:off + 4 + length]) & 0xffffffff != crc:
        raise Bad("CRC mismatch at byte %d" % off)
    return payload(b, off + 4, off + 4 + length), off + 4 + length + 4


def payload(b, start, end):
    r = Reader(b, start, end)
    kind = r.take(1)[0]
    status = r.take(1)[0]
    flags = r.u16()
    rec = {"seq": r.u32(), "time_ns": r.i64(), "step": r.i32(), "action": r.i32(),
           "plan_hash": r.take(32).hex(), "run": r.s(), "step_name": r.s(), "iter": r.s(),
           "node": r.s(), "message": r.s()}
    if r.o != r.end:
        raise Bad("malformed: trailing bytes in a record")
    if kind not in KINDS or status not in STATUS or flags != 0:
        raise Bad("malformed: kind %d status %d flags %d" % (kind, status, flags))
    rec["kind"] = KINDS[kind]
    rec["status"] = STATUS[status]
    return rec


def decode(path):
    with open(path, "rb") as f:
        b = f.read()
    h, off = header(b)
    recs, torn, why = [], False, ""
    while off < len(b):
        try:
            rec, nxt = frame_at(b, off)
        except Bad as e:
            if len(b) - off > 2 * FRAME_MAX:
                raise Bad("damaged: invalid bytes at %d, %d bytes to the end: longer than a torn tail" %
                          (off, len(b) - off))
            for k in range(off + 1, len(b) - 8):
                try:
                    rec, nxt = frame_at(b, k)
                except Bad:
                    continue
                if not (74 <= k - off <= FRAME_MAX and nxt == len(b) and rec["seq"] == len(recs) + 1 and
                        rec["run"] == h["run"] and rec["plan_hash"] == h["plan_hash"]):
                    raise Bad("damaged: invalid bytes at %d, a valid frame at %d" % (off, k))
                e = Bad("%s, then record %d whole, ending the file" % (e, rec["seq"]))
                break
            torn, why = True, str(e)
            break
        if rec["seq"] != len(recs) or rec["run"] != h["run"] or rec["plan_hash"] != h["plan_hash"]:
            raise Bad("damaged: record %d at byte %d does not belong here" % (len(recs), off))
        rec["offset"] = off
        recs.append(rec)
        off = nxt
    return {"header": h, "records": recs, "torn": torn, "why": why, "valid_end": off, "size": len(b)}


def main(argv):
    summary = False
    args = argv[1:]
    if args and args[0] == "--summary":
        summary, args = True, args[1:]
    if len(args) != 1:
        print("usage: journal-dump.py [--summary] JOURNAL", file=sys.stderr)
        return 2
    try:
        d = decode(args[0])
    except (Bad, OSError) as e:
        print("journal-dump: %s: %s" % (args[0], e), file=sys.stderr)
        return 1
    if summary:
        print(json.dumps(d))
    else:
        print(json.dumps({"header": d["header"], "torn": d["torn"], "why": d["why"],
                          "valid_end": d["valid_end"], "size": d["size"]}))
        for rec in d["records"]:
            print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
