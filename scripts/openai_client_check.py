"""Talks to `doppel serve` with the official openai package; prints one JSON
line with what it saw and exits non-zero on any failure."""
import json
import sys

import openai

base, model = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base.rstrip("/") + "/v1", api_key="doppel-local", max_retries=0, timeout=300)

models = [m.id for m in client.models.list()]
assert "doppel" in models, f"twin not in /v1/models: {models}"

stream = client.chat.completions.create(
    model=model,
    messages=[{"role": "user", "content": "Which database do you use for desktop apps?"}],
    stream=True, max_tokens=24, temperature=0, seed=1,
)
deltas, last = [], None
for chunk in stream:
    last = chunk
    if chunk.choices and chunk.choices[0].delta.content:
        deltas.append(chunk.choices[0].delta.content)
assert len(deltas) >= 2, f"not streamed: {deltas}"
extra = last.model_extra or {}
assert "citations" in extra, f"no citations in the last chunk: {last}"

resp = client.chat.completions.create(
    model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16, temperature=0,
)
text = resp.choices[0].message.content
assert text, "empty non-streamed answer"
assert resp.usage.completion_tokens > 0
cites = (resp.model_extra or {}).get("citations")
assert isinstance(cites, list), f"no citations array: {resp}"

try:
    client.chat.completions.create(model="no-such-model:1b", messages=[{"role": "user", "content": "x"}])
    raise AssertionError("unknown model accepted")
except openai.NotFoundError as e:
    assert "no-such-model:1b" in str(e), str(e)

print(json.dumps({"models": models, "streamed": "".join(deltas), "deltas": len(deltas),
                  "stream_citations": extra.get("citations"), "answer": text, "citations": cites}))
