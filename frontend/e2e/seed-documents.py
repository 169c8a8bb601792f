"""Seeds a Doppel database with the dataset fixture corpus (Markdown files
with front matter) using plain SQL, as the data-collection pipeline would
leave them.

Usage: seed-documents.py DB CORPUS_DIR [POSTS]
POSTS > 0 also adds that many short posts, each four sentences of the
author's own corpus drawn in a fixed pseudo-random order (volume for the
50k-row tests; the sentences are real, their combination is not)."""
import glob
import hashlib
import os
import random
import re
import sqlite3
import sys

db, corpus = sys.argv[1], sys.argv[2]
posts = int(sys.argv[3]) if len(sys.argv) > 3 else 0
con = sqlite3.connect(db, timeout=10)
n = 0
sentences = []
for copy in range(1):
    for path in sorted(glob.glob(os.path.join(corpus, "*.md"))):
        text = open(path, encoding="utf-8").read()
        head, body = text[4:].split("\n---\n", 1)
        meta = {}
        for line in head.splitlines():
            k, _, v = line.partition(":")
            meta[k.strip()] = v.strip().strip('"')
        body = body.strip()
        url = meta["url"]
        if meta["kind"] in ("article", "post") and meta["platform"] != "medium" and meta.get("excluded") != "true":
            for para in body.split("\n\n"):
                if not para.startswith(("#", "`")):
                    sentences += [x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para) if len(x) > 40]
        src = con.execute(
            "INSERT INTO sources(kind, location) VALUES ('site', ?) ON CONFLICT(kind, location) DO UPDATE SET title=title RETURNING id",
            (meta["platform"],),
        ).fetchone()[0]
        cur = con.execute(
            "INSERT INTO documents(source_id, platform, kind, url, title, author, content, words, content_hash, excluded) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(url) DO NOTHING",
            (src, meta["platform"], meta["kind"], url, meta.get("title", ""), "Mara Lind", body, len(body.split()),
             hashlib.sha256(body.encode()).hexdigest(), 1 if meta.get("excluded") == "true" else 0),
        )
        n += cur.rowcount
rng = random.Random(42)
src = con.execute(
    "INSERT INTO sources(kind, location) VALUES ('site', 'mastodon') ON CONFLICT(kind, location) DO UPDATE SET title=title RETURNING id"
).fetchone()[0]
rows = []
for i in range(posts):
    body = " ".join(rng.sample(sentences, 4))
    rows.append((src, "mastodon", "post", f"https://hachyderm.io/@maralind/2{i:017d}", "", "Mara Lind", body, len(body.split()),
                 hashlib.sha256(body.encode()).hexdigest(), 0))
con.executemany(
    "INSERT INTO documents(source_id, platform, kind, url, title, author, content, words, content_hash, excluded) VALUES (?,?,?,?,?,?,?,?,?,?)",
    rows,
)
n += len(rows)
con.commit()
print(n)
