#!/usr/bin/env python3
"""vbscript.py: hotplan.vbs run for real in Wine's cscript and VBScript engine (run-vbscript.sh
sets the prefix up; docs/profiles.md, "The Windows helpers", says what this shows and what it
cannot: Wine has no CDOEXM, no Cluster Automation Server, no StdRegProv in root\\default, and
its cscript does not implement WScript.StdErr, so messages are not checked, exit statuses are).

Usage: vbscript.py WINE HOTPLAN SOURCE_DIR TMP_DIR   (WINEPREFIX set, C:\\hotplan\\hotplan.vbs in it)
"""
import json
import os
import shlex
import struct
import subprocess
import sys

import helperdoc as hd
from harness import fail, finish

WINE, HOTPLAN, SRC, TMP = sys.argv[1:5]
PREFIX = os.environ["WINEPREFIX"]
DRIVE_C = os.path.join(PREFIX, "drive_c")
verbs = hd.vbs_header(open(os.path.join(SRC, "plans", "helpers", "hotplan.vbs"), encoding="utf-8").read())
def vbs(*args, env=None):
    r = subprocess.run([WINE, "cscript.exe", "//nologo", "C:\\hotplan\\hotplan.vbs"] + list(args),
                       env=dict(os.environ, **(env or {})), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return r.returncode, r.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def expect(args, want, env=None, why=""):
    rc, out = vbs(*args, env=env)
    if rc != want:
        # Once in some dozens of runs under load a Wine process has exited 1 on its own; a
        # helper that answers wrong answers wrong twice, so a second run decides (and says so).
        first = rc
        rc, out = vbs(*args, env=env)
        print("NOTE: hotplan.vbs %s exited %d, then %d when run again" % (" ".join(args), first, rc))
    if rc != want:
        fail("hotplan.vbs %s exited %d, expected %d%s (stdout: %r)" % (" ".join(args), rc, want, why, out))
    return out


# 1. it compiles (a script that does not exits 0 silently in Wine), usage and every wrong arity are 2
expect([], 2, why=": does hotplan.vbs still compile?")
expect(["no-such-verb"], 2)
for verb, v in verbs.items():
    if v["min"] > 0:
        expect([verb] + ["x"] * (v["min"] - 1), 2)
    if v["max"] >= 0:
        expect([verb] + ["x"] * (v["max"] + 1), 2)

# 2. what Wine lacks is an error, never a "false"
expect(["mounted", "First Storage Group/Mailbox Store (EVS1)"], 1, why=": no Information Store runs here")
expect(["dismounted", "First Storage Group/Mailbox Store (EVS1)"], 3, why=" (no CDOEXM)")
expect(["stores"], 3, why=" (no CDOEXM)")
expect(["owner", "Exchange"], 3, why=" (no Cluster Automation Server)")
expect(["restartable", "Exchange Information Store Instance"], 3, why=" (no Cluster Automation Server)")
expect(["member", "EXCH1"], 1, why=": no Cluster service on this node, so not a member")
expect(["drain", "EXCH2"], 3, why=" (no Cluster Automation Server)")
expect(["drain-state", "EXCH1"], 3, why=" (no Cluster Automation Server: no state to print)")
expect(["possible-owner", "Exchange Information Store Instance", "EXCH1"], 3,
       why=" (no Cluster Automation Server: neither yes nor no)")
expect(["installed", "KB898060", "Exchange2003-KB898060-x86-ENU.exe"], 3, why=" (no StdRegProv in root\\default)")
expect(["installed", "ese", "hotfix/ese-6.5.7232.54.exe"], 3, why=" (no KB number)")


# 3. version: the file's own version resource, through the runtime's probe
def pe_version(path):
    """The file version of a PE's VS_FIXEDFILEINFO, as a.b.c.d."""
    data = open(path, "rb").read()
    at = data.find(struct.pack("<I", 0xFEEF04BD))
    if at < 0:
        return None
    ms, ls = struct.unpack_from("<II", data, at + 8)
    return "%d.%d.%d.%d" % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)


bin_dir = os.path.join(DRIVE_C, "Exchsrvr", "bin")
os.makedirs(bin_dir, exist_ok=True)
source = os.path.join(DRIVE_C, "windows", "system32", "vbscript.dll")   # a PE with a version resource
with open(source, "rb") as f, open(os.path.join(bin_dir, "Ese.dll"), "wb") as g:
    g.write(f.read())
want = pe_version(source)
if want is None:
    fail("Wine's vbscript.dll has no version resource to compare with")
    sys.exit(1)
subprocess.run([WINE, "reg.exe", "add", "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIS", "/v", "ImagePath",
                "/t", "REG_EXPAND_SZ", "/d", "\"C:\\Exchsrvr\\bin\\store.exe\"", "/f"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
out = expect(["version", "Ese.dll"], 0)
if want is None or out.strip() != want:
    fail("version Ese.dll printed %r; its version resource says %r" % (out, want))
expect(["version", "nosuch.dll"], 3)
expect(["version", "C:\\Exchsrvr\\bin\\nosuch.dll"], 3)
with open(os.path.join(bin_dir, "readme.txt"), "w") as f:
    f.write("no version resource\n")
expect(["version", "readme.txt"], 3, why=" (a file without a version resource)")

# ... and what the runtime makes of it: a real run whose one step verifies the version
stub = shlex.quote(os.path.join(os.path.dirname(os.path.abspath(__file__)), "helper-stub.py"))
plan = os.path.join(TMP, "version.hplan")
with open(plan, "w", encoding="utf-8") as f:
    f.write('''plan version_check "Ese.dll is the version of the file it is a copy of" {
    model {
        service "MSExchangeIS" process "store.exe" holds stores
    }
    hotfix ese {
        file "Ese.dll" version %s
        package "Exchange2003-KB898060-x86-ENU.exe"
        restarts "MSExchangeIS"
    }
    procedure standalone {
        step check "The Information Store's Ese.dll" {
            verify file "Ese.dll" version == %s
        }
    }
}
''' % (want, want))
wine_call = "%s cscript.exe //nologo 'C:\\\\hotplan\\\\hotplan.vbs'" % shlex.quote(WINE)   # sh quotes
inv = os.path.join(TMP, "version-inv.hplan")
with open(inv, "w", encoding="utf-8") as f:
    f.write('''profile "wine" {
    shell "sh"
    probe service running  = "%s ${node} native probe-service-running"
    probe hotfix installed = "%s ${node} installed ${hotfix} ${package}"
    probe file version     = "%s version ${file}"
    probe store mounted    = "%s ${node} mounted ${store}"
}
target wine standalone {
    profile "wine"
    node "EXCH1" address "local:"
    store "First Storage Group/Mailbox Store (EVS1)"
}
''' % (stub, stub, wine_call, stub))
doc = os.path.join(TMP, "verbs.json")
with open(doc, "w", encoding="utf-8") as f:
    json.dump(verbs, f)
env = dict(os.environ, HOTPLAN_STUB_DOC=doc, HOTPLAN_STUB_LOG=os.path.join(TMP, "stub.log"),
           HOTPLAN_STUB_SCENARIO=json.dumps({"answers": {"installed": 0}}), HOTPLAN_STATE_DIR=os.path.join(TMP, "state"))
r = subprocess.run([HOTPLAN, "run", plan, "--inventory", inv, "--yes"], env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
if r.returncode != 0 or "completed" not in r.stdout:
    fail("a run that verifies Ese.dll at %s through `probe file version` in Wine exited %d:\n%s"
         % (want, r.returncode, r.stdout))

# 4. stage and install: the package runs with the switches; 3010 is success, another code an error
src = os.path.join(TMP, "share", "hotfix")
os.makedirs(src)
with open(os.path.join(src, "Exchange2003-KB898060-x86-ENU.cmd"), "w") as f:
    f.write("@echo %* > C:\\hotplan\\args.txt\r\n@exit /b 3010\r\n")
with open(os.path.join(src, "failing.cmd"), "w") as f:
    f.write("@exit /b 5\r\n")
share = {"HOTPLAN_PACKAGE_SOURCE": "Z:" + os.path.join(TMP, "share").replace("/", "\\")}
pkg = "hotfix/Exchange2003-KB898060-x86-ENU.cmd"
expect(["stage", pkg], 3, why=": not staged and no HOTPLAN_PACKAGE_SOURCE")
expect(["install", "KB898060", pkg, "-q", "-z"], 3, why=": not staged")
out = expect(["stage", pkg], 0, env=share)
staged = os.path.join(DRIVE_C, "hotplan", "packages", "hotfix", "Exchange2003-KB898060-x86-ENU.cmd")
if not os.path.exists(staged) or "staged C:\\hotplan\\packages\\hotfix\\" not in out:
    fail("stage did not copy the package to C:\\hotplan\\packages\\hotfix (stdout %r)" % out)
expect(["stage", pkg], 0, why=": staged already, no source needed")
expect(["stage", "../escape.cmd"], 3, env=share)
out = expect(["install", "KB898060", pkg, "-q", "-z", "-n"], 0)
args = open(os.path.join(DRIVE_C, "hotplan", "args.txt"), encoding="utf-8", errors="replace").read().split()
if args != ["-q", "-z", "-n"]:
    fail("the package got %r, not -q -z -n" % args)
if "3010" not in out:
    fail("install does not say that the package asked for a restart (3010): %r" % out)
expect(["stage", "hotfix/failing.cmd"], 0, env=share)
expect(["install", "bad", "hotfix/failing.cmd", "-q", "-z"], 3, why=": the package exited 5")

finish("vbscript: hotplan.vbs compiles and runs in Wine's cscript (%s): usage, arities, version (%s, "
       "verified by a run), stage, install, and errors for what Wine lacks" % (WINE, want))
