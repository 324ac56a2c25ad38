#!/usr/bin/env python3
"""Quality of --text and of the published date on saved real pages, measured end to end.

The pages of a corpus folder (one sub-folder a page: source.html, expected.html,
expected-metadata.json, as in ../shared/corpora/readability-test-pages) are served from
127.0.0.1 by a small HTTP server this script starts, and crawled by the trawl binary with
`--max-depth 0 --meta --text --format jsonl`, exactly as a user would crawl them. Then:

- text: the word-level F1 of 4-word shingles (multisets) of the `text` cell against the text of
  expected.html, precision and recall averaged over pages (a page whose reference is empty is
  skipped; an empty answer on a page that has a reference scores 0);
- dates: the published day against `publishedTime` of expected-metadata.json, where it has one
  (right / given / pages with a reference).

The reference is one program's output (Mozilla Readability), not a person's: it keeps image
captions and some boilerplate, so read the figures as a regression check and look at the worst
pages by hand. Nothing here is used by `cargo test`.

Usage: python3 bench/corpus_eval.py [--trawl target/release/trawl] [--corpus DIR] [--worst N]
Exits 0 with a message when the corpus is absent.
"""

import argparse
import collections
import html.parser
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

BLOCKS = {
    "p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "tr", "td", "th", "br", "figure", "figcaption", "dd", "dt",
}


class TextOf(html.parser.HTMLParser):
    """The text of an HTML fragment, blocks separated by newlines (script and style dropped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def text_of(markup):
    p = TextOf()
    p.feed(markup)
    return "".join(p.parts)


WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=4):
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < n:
        return collections.Counter([tuple(words)]) if words else collections.Counter()
    return collections.Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def prf(answer, reference):
    a, r = shingles(answer), shingles(reference)
    overlap = sum((a & r).values())
    p = overlap / sum(a.values()) if a else (1.0 if not r else 0.0)
    rc = overlap / sum(r.values()) if r else 1.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f


def serve(root):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=root, **k)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--trawl", default=os.path.join(here, "..", "target", "release", "trawl"))
    ap.add_argument("--corpus",
                    default=os.path.join(here, "..", "..", "shared", "corpora", "readability-test-pages"))
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--format", default="plain", choices=["plain", "markdown"])
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        print(f"corpus_eval: no corpus at {corpus}; skipped")
        return 0
    names = sorted(d for d in os.listdir(corpus)
                   if os.path.isfile(os.path.join(corpus, d, "source.html")))
    httpd = serve(corpus)
    port = httpd.server_address[1]
    with tempfile.TemporaryDirectory() as tmp:
        seeds = os.path.join(tmp, "seeds.txt")
        with open(seeds, "w") as f:
            for n in names:
                f.write(f"http://127.0.0.1:{port}/{n}/source.html\n")
        out = os.path.join(tmp, "rows.jsonl")
        cmd = [args.trawl, "-q", "--max-depth", "0", "--meta", "--text", "--text-format", args.format,
               "--format", "jsonl", "--delay", "0", "--per-host", "8", "-w", "8", "-o", out, seeds]
        subprocess.run(cmd, check=True)
        rows = {}
        with open(out) as f:
            for line in f:
                row = json.loads(line)
                rows[row["url"].split("/")[-2]] = row
    httpd.shutdown()

    scores, dates_right, dates_given, dates_ref = [], 0, 0, 0
    misses = []
    for n in names:
        row = rows.get(n, {})
        text = row.get("text") or ""
        with open(os.path.join(corpus, n, "expected.html"), encoding="utf-8", errors="replace") as f:
            ref = text_of(f.read())
        if shingles(ref):
            scores.append((prf(text, ref), n))
        meta_path = os.path.join(corpus, n, "expected-metadata.json")
        want = None
        if os.path.isfile(meta_path):
            with open(meta_path) as f:
                want = (json.load(f).get("publishedTime") or "")[:10] or None
        if want:
            dates_ref += 1
            got = (row.get("published") or "")[:10]
            if got:
                dates_given += 1
                dates_right += got == want
            if got != want:
                misses.append((n, want, got or "-", row.get("date_source") or "-"))

    k = len(scores)
    mp = sum(s[0][0] for s in scores) / k
    mr = sum(s[0][1] for s in scores) / k
    print(f"text ({args.format}): {k} pages, precision {mp:.3f}, recall {mr:.3f}, "
          f"F1 of the means {2 * mp * mr / (mp + mr):.3f}, mean F1 {sum(s[0][2] for s in scores) / k:.3f}")
    print(f"  worst {args.worst}:")
    for (p, r, f1), n in sorted(scores, key=lambda s: s[0][2])[:args.worst]:
        print(f"    {n:45} P {p:.2f} R {r:.2f} F1 {f1:.2f}")
    print(f"dates: {dates_ref} pages with a reference; right {dates_right} "
          f"({dates_right / max(1, dates_ref):.0%}), given {dates_given}, "
          f"right where given {dates_right / max(1, dates_given):.0%}")
    for n, want, got, src in misses:
        print(f"    {n:45} want {want} got {got} ({src})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
