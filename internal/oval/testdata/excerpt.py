#!/usr/bin/env python3
"""Cut an OVAL excerpt from a whole Red Hat OVAL file, verbatim.

usage: excerpt.py WHOLE.xml DEFINITION_ID... > excerpt.xml

Keeps the document's head (up to <definitions>), the named definitions,
and exactly the tests, objects, states and variables they reference
(transitively), each element copied line for line from the whole file, in
file order. Works on Red Hat's layout: one element per line block, the
start tag on its own line.
"""
import re, sys

whole, ids = sys.argv[1], set(sys.argv[2:])
lines = open(whole, encoding="utf-8").read().split("\n")

def blocks(section):
    """(id, text) of each child element of <section> in file order."""
    start = next(i for i, l in enumerate(lines) if l.strip() == f"<{section}>")
    end = next(i for i, l in enumerate(lines) if l.strip() == f"</{section}>")
    out, i = [], start + 1
    while i < end:
        m = re.match(r"\s*<([\w:-]+)\b.*?\bid=\"([^\"]+)\"", lines[i])
        tag = m.group(1)
        j = i
        while not (lines[j].rstrip().endswith("/>") and j == i or lines[j].strip().startswith(f"</{tag}>")):
            j += 1
        out.append((m.group(2), "\n".join(lines[i:j + 1])))
        i = j + 1
    return start, end, out

head_end = next(i for i, l in enumerate(lines) if l.strip() == "<definitions>")
out = lines[:head_end + 1]
_, _, defs = blocks("definitions")
want = set()
for did, text in defs:
    if did in ids:
        out.append(text)
        want |= set(re.findall(r'(?:test_ref|object_ref|state_ref|var_ref)="([^"]+)"', text))
out.append(" </definitions>")
sections = {}
for section in ["tests", "objects", "states", "variables"]:
    try:
        sections[section] = blocks(section)[2]
    except StopIteration:
        pass
changed = True
while changed:
    changed = False
    for bl in sections.values():
        for bid, text in bl:
            if bid in want:
                refs = set(re.findall(r'(?:object_ref|state_ref|var_ref)="([^"]+)"', text)) - want
                if refs:
                    want |= refs
                    changed = True
for section, bl in sections.items():
    out.append(f" <{section}>")
    out += [t for bid, t in bl if bid in want]
    out.append(f" </{section}>")
out.append("</oval_definitions>")
print("\n".join(out))
