#!/usr/bin/env python3
"""Test fixture writer for the e2e tests: inserts documents from a JSONL file
into a Doppel data dir's database with Python's built-in sqlite3 (Node 20 has
no node:sqlite). In the product, documents are written by the data collection
pipeline (crawl/import); this stands in for it with plain SQL on the same
documents table, after `doppel serve` has created and migrated the database.

usage: seed_documents.py DB_PATH CORPUS.jsonl
"""
import hashlib
import json
import sqlite3
import sys

db_path, corpus = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db_path, timeout=10)
n = 0
with open(corpus, encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        con.execute(
            "INSERT INTO documents(platform, kind, url, title, published_at, content, content_hash, excluded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (d["platform"], d["kind"], d["url"], d.get("title", ""), d.get("published_at") or None, d["content"],
             hashlib.sha256(d["content"].encode()).hexdigest(), d.get("excluded", 0)),
        )
        n += 1
con.commit()
con.close()
print(n)
