#!/usr/bin/env python3
"""bench/late_charset.py: how many real pages declare their charset past the 1,024-byte prescan
window (issue 18 §3), so that only the later look into the head (src/download/charset.rs,
`late_head_meta`) finds it.

Reads the saved pages of ../shared/corpora/readability-test-pages (or the folder given), where
they are; exits 0 with a note when the folder is absent. A declaration is the first
`<meta charset=...>` or `<meta http-equiv=content-type content=...charset=...>` tag (a regular
expression: close to the prescan, which also skips comments and other tags' attributes); it is
late when its tag ends past byte 1,024. For each late one: where it is, what it declares, and
whether the page is valid UTF-8 anyway (then the late declaration changes nothing when it says
UTF-8).

Usage: bench/late_charset.py [DIR]
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpora",
    "readability-test-pages")
if not os.path.isdir(root):
    print(f"late_charset.py: no corpus at {root}: skipped")
    sys.exit(0)

DECL = re.compile(
    rb"<meta\s[^>]*?(?:charset\s*=\s*[\"']?\s*([-\w:.]+)|http-equiv\s*=\s*[\"']?content-type"
    rb"[^>]*?charset=([-\w:.]+))[^>]*>", re.I)
# The http-equiv form with `content` before `http-equiv`.
DECL2 = re.compile(rb"<meta\s[^>]*?content\s*=\s*[\"'][^\"']*charset=([-\w:.]+)[^>]*>", re.I)

pages = early = none = 0
late = []
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "source.html")
    if not os.path.isfile(path):
        continue
    body = open(path, "rb").read()
    pages += 1
    found = [m for m in (DECL.search(body), DECL2.search(body)) if m]
    if not found:
        none += 1
        continue
    m = min(found, key=lambda m: m.start())
    label = (m.group(1) or (m.group(2) if m.re is DECL else b"")).decode("ascii", "replace")
    if m.end() <= 1024:
        early += 1
        continue
    try:
        body.decode("utf-8")
        utf8 = "valid UTF-8"
    except UnicodeDecodeError:
        utf8 = "not UTF-8"
    late.append((name, m.start(), label, utf8))

print(f"{pages} pages: {early} declare their charset within 1,024 bytes, {len(late)} later "
      f"({len(late) / max(pages, 1):.0%}), {none} not at all")
for name, at, label, utf8 in late:
    print(f"  {name}: at byte {at:,}, {label}, {utf8}")
