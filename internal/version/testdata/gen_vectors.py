#!/usr/bin/env python3
r"""Generate version-ordering test vectors by asking the real tools.

Called by gen-vectors.sh (see there for usage). Writes deb.tsv, rpm.tsv and
apk.tsv next to this file, plus the fuzz seed corpora under fuzz/.

Every result in a TSV comes from the real tool:
  deb  dpkg --compare-versions -- A lt B   (then "eq" when not less)
  rpm  rpm --eval '%{lua: ...}' calling rpm.vercmp(A, B), many pairs per process
  apk  apk version -t A B                  (only when an apk binary is on PATH)
When no apk binary exists (Debian has no apk-tools package), apk.tsv is built
from apk-tools' own test list, testdata/apk-tools-version.data (origin noted
in that file).

Versions are handled as byte strings (Python str holding latin-1 code points,
one per byte), so non-UTF-8 bytes reach the tools unchanged. NUL cannot be
passed in argv and is never generated.

Sections (deb, rpm): real (same package on different hosts, lexicographic
neighbours, random pairs of real versions), mutation (real versions with 1-3
random edits), handpicked (the literal cases of <scheme>_test.go, so the tool
confirms the hand-written expectations), edge (all pairs of short edge
strings), hostile (long digit runs, separator runs, epochs, odd bytes).

TSV format: header lines start with '#'. "# section: NAME" lines group the
rows that follow. Rows are a<TAB>b<TAB>result with result one of < = >.
Fields are escaped: backslash as \\, tab as \t, newline as \n, and bytes
below 0x20, 0x7f and above as \xHH; everything else is literal.
"""

import argparse
import datetime
import glob
import os
import random
import subprocess
import sys
import tempfile

SEED = 20250601

# ---------------------------------------------------------------- pools


def read_inventories(root, packager):
    """(name, version) pairs from every *.pakiti5.txt of the given packager."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.pakiti5.txt"), recursive=True)):
        with open(path, "rb") as fh:
            data = fh.read().decode("latin-1")
        lines = data.split("\n")
        pk = None
        for ln in lines:
            if ln.startswith("packager:"):
                pk = ln.split(":", 1)[1].strip()
                break
        if pk != packager:
            continue
        for ln in lines:
            cols = ln.split("\t")
            if len(cols) >= 2 and cols[0] and cols[1] and not ln.startswith("#"):
                out.append((cols[0], cols[1]))
    return out


def dpkg_query_pool(outdir, refresh):
    """Versions installed on this machine, kept in a snapshot so that re-running
    the generator elsewhere reproduces the same vectors. REFRESH=1 re-queries."""
    snap = os.path.join(outdir, "pool-dpkg-query.txt")
    if refresh or not os.path.exists(snap):
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package}\t${Version}\n"],
            check=True, capture_output=True)
        rows = sorted(set(l for l in res.stdout.decode("latin-1").split("\n") if "\t" in l))
        with open(snap, "wb") as fh:
            fh.write(b"# dpkg-query -W -f='${Package}\\t${Version}\\n' snapshot used by gen_vectors.py\n")
            fh.write(("# taken " + today() + "; delete this file or set REFRESH=1 to re-query\n").encode())
            for r in rows:
                fh.write((r + "\n").encode("latin-1"))
    out = []
    with open(snap, "rb") as fh:
        for ln in fh.read().decode("latin-1").split("\n"):
            if ln.startswith("#") or "\t" not in ln:
                continue
            name, ver = ln.split("\t", 1)
            out.append((name, ver))
    return out


def today():
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde:
        return datetime.datetime.fromtimestamp(int(sde), datetime.timezone.utc).strftime("%Y-%m-%d")
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


# ---------------------------------------------------------------- hostile strings

D20, D25, D40 = "9" * 20, "9" * 25, "9" * 40

HOSTILE_COMMON = [
    # empty parts and separators only
    "", "0", "00", "000", "1", "01", "001", "0.0", "00.00", ".", "..", "...",
    "-", "--", "+", "++", ":", "::", "_", "__", "~", "~~", "~~~", "^", "^^",
    "...---", "+.+.+", ".-.", "~.~", "^.^", "~^~^", "-.-", "_._",
    # letters
    "a", "A", "z", "Z", "aa", "1a", "a1", "1.a", "1.0a", "1.0A", "1.0z", "1.0Z",
    "1.0aa", "1.0ab", "1.0b", "1.0rc1", "1.0RC1", "1.0.rc1", "1.0rc.1", "rc1",
    # tilde and caret runs
    "1~", "1~~", "1~a", "1~~a", "1~1", "1.0~", "1.0~~", "1.0~~~", "1.0~rc1",
    "1.0~rc1~", "1.0~~rc1", "1.0^", "1.0^^", "1.0^1", "1.0^~", "1.0~^", "1.0^^1",
    "1.0^git1", "1.0^git1~", "1.0~1^2", "~1", "^1", "~~1", "^^1",
    # underscores, plus, hyphens, colons
    "1.0_", "1.0__1", "1.0_1", "1.0-", "1.0--", "1.0--1", "1-1-1", "1:1:1", "1:",
    ":1", "0:", "0:0", "00:0", "1:0", "a:1", "1a:1", "-1:1", "+1:1", "1.0+",
    "1.0.", ".1", ".1.0", "1..0", "1...0", "1-", "-1", "1.0-0", "1.0-00", "1.0-1",
    "1.0-01", "1.0-a", "1.0-~", "1.0-^", "1.0-+", "1.0+-1",
    # long digit runs and leading zeros
    D20, D25, "1" + "0" * 20, "1" + "0" * 24, "0" * 25 + "1", "1." + D40,
    "1." + "0" * 21 + "1", "1." + "1" * 30 + "." + "2" * 30, "18446744073709551615",
    "18446744073709551616", "18446744073709551617", "9223372036854775807",
    "9223372036854775808", "4294967295", "4294967296", "2147483647", "2147483648",
    "1.00001", "1.0001", "1.01", "1.1", "1.10", "1.010", "0001.0001", "1.0.0.0.0",
    "99999999999999999999999999:1", "2147483647:1", "2147483648:1", "4294967296:1",
    "00000000000000000000001:1", "1:" + D25, "1.0-" + D25, "1.0-0" + D25,
    # many separators
    "1.2.3.4.5.6.7.8.9.10.11.12.13", "1-2-3-4-5", "1_2_3_4", "1+2+3+4", "1~2~3~4",
    "1^2^3^4", "1.-_+~^:2", "1......2", "1------2", "1::::2",
    # odd bytes and whitespace
    "1.0 ", " 1.0", "1 0", "\t1.0", "1.0\t", "\n1:2", "1.0\n", "1.0!", "1.0@",
    "1.0#1", "1.0/1", "1.0\\1", "1.0\x7f", "1.0\x01", "1.0\xe9", "1.0\xc3\xa9", "\xff",
    "1\x80", "1.0\xff", "1.0\x80a", "1.0=1", "1.0,1", "1.0(1)", "1.0*",
]

HOSTILE_DEB = [
    "<unknown>", "1.0+dfsg-1", "1:1.0-1", "1.0-1ubuntu1", "1.0-1~bpo11+1",
    "1.0-1+deb12u1", "1.0~~-1", "1.0-1~", "1.0-1-1", "1.0-1.1", "0:1.0-1",
    "1.0-0ubuntu0.22.04.1", "2:1.0", "1:1.0~rc1-1", "1.0+really0.9-1",
    "1.0~rc1+dfsg-1~exp1", "1:2:3-4-5", "1.0-+", "1.0-~~", "+1.0", "~1.0",
    "1.0-1+b1", "10:1.0", "-0:1", " 1:1.0 ", "1.0-1 ", "\v1:1", "\r1:1", "1.0-\t1",
]

HOSTILE_RPM = [
    "1.0-1.el8", "0:1.0-1.el8", "1:1.0-1.el8", "1.0-1.el8_5", "1.0^git1-1",
    "1.0~rc1-1", "1.0-~", "1.0-^", "1.0-", "1.0-0", "~:1", "0:1.0", "1:1.0",
    "0:1.0-1", "1.0-1.fc38", "2:1-1", "1:9-9", "1.0-1-1", "a:1-1", "1:-1",
    "1:-", "0:-", "-", "-0", "1.0^", "1.0^~rc1", "1.0~rc1^git1", "5.5p1",
    "5.5p10", "10xyz", "10.1xyz", "xyz10", "xyz.4", "xyz10.1", "1b.fc17",
    "1.fc17", "1.0a", "1.0aa", "2.0.1a", "1.0-1.el8~", "1.0-1.el8^1",
    "0:1.0~rc1^git20200101.abc-0.1.el9",
]

HOSTILE_APK = [
    "1.0_alpha", "1.0_alpha1", "1.0_alpha_beta", "1.0_p", "1.0_p1_p2", "1.0-r",
    "1.0-r1-r2", "1.0-r1.1", "1.0-R1", "1.0~g", "1.0~abc", "1.0~ABC",
    "1.0_foo", "1.0a1", "1.0ab", "1.0-r0", "1.0_pre1-r1", "0.1_pre2~1234abcd",
    "1.0.0_git20240101~deadbeef-r3", "1.0_rc", "1.0_rc1", "1.0_beta", "1.0_cvs",
    "1.0_svn", "1.0_git", "1.0_hg", "1.0_pr", "1.0_pree", "1.0_p-r1", "1.0-r01",
    "1.0-r" + D25, "1.0_p" + D25, "1.0a_p1", "1.0a-r1", "1.0_alpha~1-r1",
    "1.0~1", "1.0~-r1", "1.0~1~2",
]

# Short strings whose pairs are all asked: where blank, separator-only and
# special-character versions meet.
EDGE_COMMON = [
    "", "0", "00", "1", "01", "~", "~~", "^", "^^", "-", "--", ":", "0:", "1:",
    ":0", ".", "..", "+", "_", "a", "A", "z", "~a", "a~", "0~", "0^", "0-",
    "0-0", "0-~", "1.0", "1.0~", "1.0^", "1.0-", "1.0-0", "1.0.", "1.0a",
    "1.0+", "1.0_", "1_0", "1..0", "0:1.0", "1:1.0", ":1.0", "1.0\xe9",
    " ", "\t", "1.0 ", "\xff", "1:-1", "0:-", "-0", "0:0",
]
EDGE_EXTRA = {
    "deb": ["<unknown>", "<Unknown>", "0:0-0", "+0:0", "~:0", "1:~"],
    "rpm": ["0:~", "~:1", "0:0-", "-~", "0-^", "1.0-~", "1.0-^"],
    "apk": ["1.0_p", "1.0_rc", "1.0-r", "1.0-r0", "1.0~", "1.0~0", "1.0a_p1", "0_p", "0-r0"],
}


def go_unquote(lit):
    """Decodes the Go string literals used in the *_test.go case tables."""
    raw = lit[1:-1].encode("utf-8")
    out, i = bytearray(), 0
    simple = {ord("t"): 9, ord("n"): 10, ord("r"): 13, ord("v"): 11, ord("f"): 12,
              ord("a"): 7, ord("b"): 8, ord("\\"): 92, ord("'"): 39, ord('"'): 34}
    while i < len(raw):
        c = raw[i]
        if c != 92:
            out.append(c)
            i += 1
            continue
        e = raw[i + 1]
        if e == ord("x"):
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        elif e in (ord("u"), ord("U")):
            n = 4 if e == ord("u") else 8
            out += chr(int(raw[i + 2:i + 2 + n], 16)).encode("utf-8")
            i += 2 + n
        elif ord("0") <= e <= ord("7") and raw[i + 2:i + 4].isdigit():
            out.append(int(raw[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(simple[e])
            i += 2
    return out.decode("latin-1")


def handpicked(scheme):
    """The literal {"a", "op", "b"} cases of <scheme>_test.go, so that the real
    tool confirms (or refutes) the hand-written expectations."""
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", scheme + "_test.go")
    if not os.path.exists(path):
        return []
    lit = r'"(?:[^"\\]|\\.)*"'
    pat = re.compile(r"\{(%s), \"[<=>]\", (%s)\}" % (lit, lit))
    with open(path, encoding="utf-8") as fh:
        return [(go_unquote(m.group(1)), go_unquote(m.group(2))) for m in pat.finditer(fh.read())]


# ---------------------------------------------------------------- mutation

TAILS = {
    "deb": ["~rc1", "~", "+b1", "+deb12u1", ".1", "-1", "a", "~~", "+really1.0",
            "-0", "ubuntu1", "build1", "~bpo1", "+dfsg", ".0", "-1.1"],
    "rpm": ["~rc1", "^git1", "^", "~", ".1", "_1", "a", "-1", ".el8", "^20200101git1234",
            "~~", "^^", ".0", "-1.el9", "p1", "+1"],
    "apk": ["_alpha", "_beta2", "_pre1", "_rc1", "_p1", "_git20200101", "_cvs", "_svn",
            "_hg", "-r1", "-r0", "a", "b", ".1", "~abc123", "_rc", "_p", ".0", "-r10"],
}
CHARS = {
    "deb": "0123456789abcxyzABZ.+-~:",
    "rpm": "0123456789abcxyzABZ.+-~^_:",
    "apk": "0123456789abcprz._-~",
}


def digit_runs(v):
    runs, i = [], 0
    while i < len(v):
        if v[i].isdigit() and v[i] < "\x80":
            j = i
            while j < len(v) and "0" <= v[j] <= "9":
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def mutate_once(rng, v, scheme):
    op = rng.randrange(11)
    runs = digit_runs(v)
    if op == 0 and runs:  # bump a number up or down
        i, j = rng.choice(runs)
        n = int(v[i:j]) + rng.choice([-1, 1, 1, 10])
        return v[:i] + str(max(n, 0)) + v[j:]
    if op == 1 and runs:  # leading zeros
        i, j = rng.choice(runs)
        return v[:i] + "0" * rng.randint(1, 3) + v[i:]
    if op == 2 and runs:  # long digit run
        i, j = rng.choice(runs)
        return v[:i] + str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(rng.randint(19, 30))) + v[j:]
    if op == 3:  # insert a character
        p = rng.randint(0, len(v))
        return v[:p] + rng.choice(CHARS[scheme]) + v[p:]
    if op == 4 and v:  # delete a character
        p = rng.randrange(len(v))
        return v[:p] + v[p + 1:]
    if op == 5 and v:  # replace a character
        p = rng.randrange(len(v))
        return v[:p] + rng.choice(CHARS[scheme]) + v[p + 1:]
    if op == 6:  # append a well-known tail
        return v + rng.choice(TAILS[scheme])
    if op == 7:  # epoch games
        if scheme == "apk":
            return v + rng.choice(["_p1", "-r1", "~1"])
        if ":" in v:
            e, rest = v.split(":", 1)
            return rng.choice(["", "0", "00", str(rng.randint(1, 3)), e + "0"]) + ":" + rest
        return rng.choice(["0:", "1:", "2:", "01:"]) + v
    if op == 8 and v:  # double a separator
        seps = [k for k, c in enumerate(v) if c in ".-+~^_:"]
        if seps:
            p = rng.choice(seps)
            return v[:p] + v[p] * rng.randint(2, 3) + v[p + 1:]
    if op == 9:  # truncate
        if len(v) > 1:
            return v[:rng.randint(1, len(v) - 1)]
    if op == 10:  # swap letter case
        return v.swapcase()
    return v + rng.choice(TAILS[scheme])


def mutate(rng, v, scheme):
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        v = mutate_once(rng, v, scheme)
    return v


# ---------------------------------------------------------------- pairs


class PairSet:
    def __init__(self):
        self.seen = set()
        self.sections = {}  # name -> list of (a, b)
        self.order = []

    def add(self, section, a, b):
        if "\x00" in a or "\x00" in b or a == b:
            return False
        key = (a, b) if a <= b else (b, a)
        if key in self.seen:
            return False
        self.seen.add(key)
        if section not in self.sections:
            self.sections[section] = []
            self.order.append(section)
        self.sections[section].append((a, b))
        return True


def build_pairs(scheme, pool):
    rng = random.Random("%d-%s" % (SEED, scheme))
    ps = PairSet()
    versions = sorted(set(v for _, v in pool))
    byname = {}
    for n, v in pool:
        byname.setdefault(n, set()).add(v)

    # real: versions of the same package seen on different hosts
    same = []
    for n in sorted(byname):
        vs = sorted(byname[n])
        for i in range(len(vs)):
            for j in range(i + 1, len(vs)):
                same.append((vs[i], vs[j]))
    rng.shuffle(same)
    for a, b in same[:500]:
        ps.add("real", a, b)
    # real: lexicographic neighbours share long prefixes
    for i in range(len(versions) - 1):
        if len(ps.sections.get("real", [])) >= 900:
            break
        if rng.random() < 0.5:
            ps.add("real", versions[i], versions[i + 1])
    # real: random pairs
    for _ in range(400):
        ps.add("real", rng.choice(versions), rng.choice(versions))

    # mutations of real versions
    for _ in range(1100):
        v = rng.choice(versions)
        m = mutate(rng, v, scheme)
        if rng.random() < 0.7:
            ps.add("mutation", v, m)
        else:
            ps.add("mutation", m, mutate(rng, v, scheme))

    # the hand-written cases of the Go tests
    for a, bb in handpicked(scheme):
        ps.add("handpicked", a, bb)

    # all pairs of short edge strings
    edge = list(dict.fromkeys(EDGE_COMMON + EDGE_EXTRA[scheme]))
    for i in range(len(edge)):
        for j in range(i + 1, len(edge)):
            ps.add("edge", edge[i], edge[j])

    # hostile
    extra = {"deb": HOSTILE_DEB, "rpm": HOSTILE_RPM, "apk": HOSTILE_APK}[scheme]
    hostile = list(dict.fromkeys(HOSTILE_COMMON + extra))
    core = hostile[:]
    rng.shuffle(core)
    core = core[:42]
    for i in range(len(core)):
        for j in range(i + 1, len(core)):
            ps.add("hostile", core[i], core[j])
    for h in hostile:
        for _ in range(3):
            ps.add("hostile", h, rng.choice(versions))
        for _ in range(3):
            ps.add("hostile", h, rng.choice(hostile))
        ps.add("hostile", h, mutate(rng, h, scheme))
    return ps


# ---------------------------------------------------------------- tools


def b(s):
    return s.encode("latin-1")


def ask_dpkg(a, bb):
    """Returns '<', '=', '>' or ('reject', reason)."""
    r = subprocess.run(["dpkg", "--compare-versions", "--", b(a), "lt", b(bb)], capture_output=True)
    if r.returncode == 0:
        return "<"
    if r.returncode == 1:
        r2 = subprocess.run(["dpkg", "--compare-versions", "--", b(a), "eq", b(bb)], capture_output=True)
        if r2.returncode == 0:
            return "="
        if r2.returncode == 1:
            return ">"
        r = r2
    msg = r.stderr.decode("latin-1")
    reason = "exit %d" % r.returncode
    for ln in msg.split("\n"):
        if "error:" in ln:
            reason = ln.split("has bad syntax:", 1)[-1].strip() if "has bad syntax:" in ln else ln.split("error:", 1)[1].strip()
            break
    return ("reject", reason)


def lua_str(s):
    return '"' + "".join(c if (c.isalnum() and c < "\x80") or c in " .-_+~^:" else "\\%03d" % ord(c) for c in s) + '"'


def ask_rpm_batch(pairs):
    with tempfile.TemporaryDirectory() as td:
        script = os.path.join(td, "pairs.lua")
        outp = os.path.join(td, "out.txt")
        with open(script, "w", encoding="ascii") as fh:
            fh.write("local out = assert(io.open(%s, 'w'))\n" % lua_str(outp))
            fh.write("local P = {\n")
            for a, bb in pairs:
                fh.write("{%s,%s},\n" % (lua_str(a), lua_str(bb)))
            fh.write("}\n")
            fh.write(
                "for i, p in ipairs(P) do\n"
                "  local ok, r = pcall(rpm.vercmp, p[1], p[2])\n"
                "  if ok then out:write(i, '\\t', r, '\\n')\n"
                "  else out:write(i, '\\tERR\\t', (tostring(r):gsub('[\\t\\n]', ' ')), '\\n') end\n"
                "end\n"
                "out:close()\n")
        subprocess.run(["rpm", "--eval", "%%{lua: dofile('%s')}" % script], check=True, capture_output=True)
        res = {}
        with open(outp, encoding="latin-1") as fh:
            for ln in fh:
                parts = ln.rstrip("\n").split("\t")
                i = int(parts[0]) - 1
                if parts[1] == "ERR":
                    reason = parts[2] if len(parts) > 2 else "error"
                    if "invalid version" in reason:
                        reason = "invalid version (empty string)"
                    res[i] = ("reject", reason)
                else:
                    n = int(parts[1])
                    res[i] = "<" if n < 0 else (">" if n > 0 else "=")
    return [res.get(i, ("reject", "no answer")) for i in range(len(pairs))]


def ask_apk(a, bb):
    if a.startswith("-") or bb.startswith("-"):
        return ("reject", "argument starts with '-' (taken as an option)")
    r = subprocess.run(["apk", "version", "-t", b(a), b(bb)], capture_output=True)
    out = r.stdout.decode("latin-1").strip()
    if r.returncode == 0 and out in ("<", "=", ">"):
        return out
    return ("reject", "exit %d output %r" % (r.returncode, out))


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, check=True)
        return r.stdout.decode("latin-1").strip().split("\n")[0]
    except (OSError, subprocess.CalledProcessError):
        return None


# ---------------------------------------------------------------- output


def esc(s):
    out = []
    for c in s:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == "\t":
            out.append("\\t")
        elif c == "\n":
            out.append("\\n")
        elif o < 0x20 or o >= 0x7f:
            out.append("\\x%02x" % o)
        else:
            out.append(c)
    return "".join(out)


def go_quote(s):
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif 0x20 <= o < 0x7f:
            out.append(c)
        else:
            out.append("\\x%02x" % o)
    out.append('"')
    return "".join(out)


def write_tsv(path, header, sections):
    with open(path, "wb") as fh:
        for h in header:
            fh.write(b("# " + h + "\n") if h else b"#\n")
        for name, rows in sections:
            fh.write(b("# section: %s (%d rows)\n" % (name, len(rows))))
            for a, bb, res in rows:
                fh.write(b("%s\t%s\t%s\n" % (esc(a), esc(bb), res)))


def write_corpus(outdir, fuzzname, rows, n, rng):
    d = os.path.join(outdir, "fuzz", fuzzname)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("vec-"):
            os.remove(os.path.join(d, f))
    pick = rows[:] if len(rows) <= n else rng.sample(rows, n)
    for k, (a, bb, _) in enumerate(pick):
        with open(os.path.join(d, "vec-%03d" % k), "wb") as fh:
            fh.write(b("go test fuzz v1\nstring(%s)\nstring(%s)\n" % (go_quote(a), go_quote(bb))))


def run_scheme(scheme, pool, ask, toolname, toolver, outdir, batch=None):
    ps = build_pairs(scheme, pool)
    sections, rejected, asked = [], {}, 0
    for name in ps.order:
        pairs = ps.sections[name]
        asked += len(pairs)
        answers = batch(pairs) if batch else [ask(a, bb) for a, bb in pairs]
        rows = []
        for (a, bb), ans in zip(pairs, answers):
            if isinstance(ans, tuple):
                rejected[ans[1]] = rejected.get(ans[1], 0) + 1
                continue
            rows.append((a, bb, ans))
        sections.append((name, rows))
    kept = sum(len(r) for _, r in sections)
    nrej = sum(rejected.values())
    header = [
        "%s version ordering vectors; every result was reported by the real tool." % scheme,
        "tool: %s" % toolname,
        "tool version: %s" % toolver,
        "generated: %s by internal/version/testdata/gen-vectors.sh (seed %d)" % (today(), SEED),
        "pool: %d real versions (%d distinct)" % (len(pool), len(set(v for _, v in pool))),
        "pairs asked: %d; kept: %d; rejected by the tool and left out: %d" % (asked, kept, nrej),
    ]
    for reason in sorted(rejected, key=lambda r: (-rejected[r], r)):
        header.append("  rejected %5d: %s" % (rejected[reason], reason))
    header += [
        "columns: a<TAB>b<TAB>result (< = >); escapes: \\\\ \\t \\n \\xHH",
        "",
    ]
    write_tsv(os.path.join(outdir, scheme + ".tsv"), header, sections)
    allrows = [r for _, rows in sections for r in rows]
    write_corpus(outdir, "FuzzCompare" + scheme.capitalize(), allrows, 64, random.Random("%d-corpus-%s" % (SEED, scheme)))
    print("%s: asked %d, kept %d, rejected %d" % (scheme, asked, kept, nrej), file=sys.stderr)


def apk_from_upstream(outdir):
    src = os.path.join(outdir, "apk-tools-version.data")
    rows, skipped, seen = [], 0, set()
    origin = []
    with open(src, encoding="latin-1") as fh:
        for ln in fh:
            ln = ln.rstrip("\n")
            if ln.startswith("#"):
                origin.append(ln[1:].strip())
                continue
            body = ln.split("#", 1)[0].strip()
            if not body:
                continue
            parts = body.split()
            if len(parts) != 3 or parts[1] not in ("<", ">", "="):
                skipped += 1  # fuzzy (~ <~ >~ !~) rows and validity rows
                continue
            key = (parts[0], parts[2])
            if key in seen:
                continue
            seen.add(key)
            rows.append((parts[0], parts[2], parts[1]))
    header = [
        "apk version ordering vectors.",
        "tool: none -- no apk binary was available (Debian ships no apk-tools package),",
        "so these rows are apk-tools' own test list, testdata/apk-tools-version.data:",
    ] + ["  " + o for o in origin if o] + [
        "generated: %s by internal/version/testdata/gen-vectors.sh" % today(),
        "rows: %d distinct comparisons; %d fuzzy/validity lines of the list not used" % (len(rows), skipped),
        "columns: a<TAB>b<TAB>result (< = >); escapes: \\\\ \\t \\n \\xHH",
        "",
    ]
    write_tsv(os.path.join(outdir, "apk.tsv"), header, [("upstream", rows)])
    write_corpus(outdir, "FuzzCompareApk", rows, 64, random.Random("%d-corpus-apk" % SEED))
    print("apk: no apk binary; wrote %d upstream rows" % len(rows), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--inventories", required=True)
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("schemes", nargs="*", default=["deb", "rpm", "apk"])
    args = ap.parse_args()

    if "deb" in args.schemes:
        pool = dpkg_query_pool(args.out, args.refresh) + read_inventories(args.inventories, "dpkg")
        run_scheme("deb", pool, ask_dpkg, "dpkg --compare-versions -- A lt B (then eq)",
                   tool_version(["dpkg", "--version"]), args.out)
    if "rpm" in args.schemes:
        pool = read_inventories(args.inventories, "rpm")
        run_scheme("rpm", pool, None, "rpm --eval '%{lua: ... rpm.vercmp(A, B) ...}'",
                   tool_version(["rpm", "--version"]), args.out, batch=ask_rpm_batch)
    if "apk" in args.schemes:
        apkver = tool_version(["apk", "--version"])
        if apkver:
            pool = read_inventories(args.inventories, "apk")
            run_scheme("apk", pool, ask_apk, "apk version -t A B", apkver, args.out)
        else:
            apk_from_upstream(args.out)


if __name__ == "__main__":
    main()
