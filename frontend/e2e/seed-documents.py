"""Seeds a Doppel database with the dataset fixture corpus (Markdown files
with front matter) using plain SQL, as the data-collection pipeline would
leave them. Usage: seed-documents.py DB CORPUS_DIR [COPIES]. COPIES > 1
repeats the corpus with distinct URLs and lightly varied text (for volume)."""
import glob
import hashlib
import os
import sqlite3
import sys

db, corpus = sys.argv[1], sys.argv[2]
copies = int(sys.argv[3]) if len(sys.argv) > 3 else 1
con = sqlite3.connect(db, timeout=10)
n = 0
for copy in range(copies):
    for path in sorted(glob.glob(os.path.join(corpus, "*.md"))):
        text = open(path, encoding="utf-8").read()
        head, body = text[4:].split("\n---\n", 1)
        meta = {}
        for line in head.splitlines():
            k, _, v = line.partition(":")
            meta[k.strip()] = v.strip().strip('"')
        body = body.strip()
        url = meta["url"]
        if copy:
            url += f"#copy-{copy}"
            body += f"\n\nWritten on day {copy} of the year, revision {copy * 7919 % 1000}."
        src = con.execute(
            "INSERT INTO sources(kind, location) VALUES ('site', ?) ON CONFLICT(kind, location) DO UPDATE SET title=title RETURNING id",
            (meta["platform"],),
        ).fetchone()[0]
        con.execute(
            "INSERT INTO documents(source_id, platform, kind, url, title, author, content, words, content_hash, excluded) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (src, meta["platform"], meta["kind"], url, meta.get("title", ""), "Mara Lind", body, len(body.split()),
             hashlib.sha256(body.encode()).hexdigest(), 1 if meta.get("excluded") == "true" else 0),
        )
        n += 1
con.commit()
print(n)
