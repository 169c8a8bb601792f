"""Loads a Doppel export folder with Hugging Face `datasets` and checks the
columns of its format. Usage: load_export.py FORMAT DIR. Prints one JSON line."""
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets

fmt, folder = sys.argv[1], sys.argv[2]
want = {
    "messages": {"messages"},
    "alpaca": {"instruction", "input", "output"},
    "sharegpt": {"conversations"},
    "preference": {"prompt", "chosen", "rejected"},
}[fmt]
# The folder itself: the dataset card's YAML header names the splits.
# A fresh cache: datasets would otherwise reuse an earlier folder's Arrow files.
cache = tempfile.TemporaryDirectory(prefix="doppel-hf-")
ds = datasets.load_dataset(folder, cache_dir=cache.name)
out = {"version": datasets.__version__, "splits": {}}
for split, d in ds.items():
    cols = set(d.column_names)
    if cols != want:
        sys.exit(f"{split}: columns {sorted(cols)}, want {sorted(want)}")
    row = d[0]
    if fmt == "messages":
        roles = [m["role"] for m in row["messages"]]
        if roles[-2:] != ["user", "assistant"] or any(r not in ("system", "user", "assistant") for r in roles):
            sys.exit(f"{split}: bad roles {roles}")
    if fmt == "sharegpt":
        froms = [m["from"] for m in row["conversations"]]
        if froms[-2:] != ["human", "gpt"]:
            sys.exit(f"{split}: bad turns {froms}")
    for c in want:
        if c not in ("messages", "conversations", "input") and not row[c]:
            sys.exit(f"{split}: empty {c}")
    out["splits"][split] = d.num_rows
print(json.dumps(out))
