-- Training pipeline: runs (experiment tracking), their metrics over time,
-- model versions with lineage, and the alias of the accepted twin.

-- A training run. status: queued | running | succeeded | failed | cancelled.
-- config is the exact trainer config (models/trainer/CONTRACT.md), so a run
-- can be re-run as it was; settings/hardware are what the trainer reported.
CREATE TABLE train_runs (
    id              INTEGER PRIMARY KEY,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
    job_id          INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    name            TEXT NOT NULL,              -- the model family it produces (name:vN)
    base            TEXT NOT NULL,              -- base model (catalog/Ollama name or path)
    base_path       TEXT NOT NULL,              -- what the trainer loads
    dataset         TEXT NOT NULL,              -- dataset version or export folder, as given
    dataset_dir     TEXT NOT NULL,
    dataset_hash    TEXT NOT NULL DEFAULT '',   -- sha256 of train.jsonl + test.jsonl
    backend         TEXT NOT NULL DEFAULT 'auto',
    config          TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',
    hardware        TEXT NOT NULL DEFAULT '{}',
    output_dir      TEXT NOT NULL,
    step            INTEGER NOT NULL DEFAULT 0,
    total_steps     INTEGER NOT NULL DEFAULT 0,
    loss            REAL,
    eval_loss       REAL,
    tokens_per_s    REAL,
    phase           TEXT NOT NULL DEFAULT '',
    last_checkpoint TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    error_kind      TEXT NOT NULL DEFAULT '',
    log_tail        TEXT NOT NULL DEFAULT '',
    artifacts       TEXT NOT NULL DEFAULT '{}', -- {"adapter":..., "merged":..., "smoke_chat":...}
    model           TEXT NOT NULL DEFAULT '',   -- the Ollama model it became (name:vN)
    rerun_of        INTEGER REFERENCES train_runs(id) ON DELETE SET NULL,
    attempts        INTEGER NOT NULL DEFAULT 0, -- trainer starts (1 + resumes)
    duration_s      REAL NOT NULL DEFAULT 0,    -- training time summed over attempts
    first_step_s    REAL,                       -- start to first training step (first attempt)
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    started_at      TEXT,
    finished_at     TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX train_runs_status ON train_runs(status);

-- Metrics over time: one row per training step or evaluation.
CREATE TABLE train_metrics (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES train_runs(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('train','eval')),
    phase         TEXT NOT NULL DEFAULT 'sft',
    step          INTEGER NOT NULL,
    loss          REAL,
    learning_rate REAL,
    grad_norm     REAL,
    tokens_per_s  REAL,
    memory        INTEGER,
    eta_s         REAL,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX train_metrics_run ON train_metrics(run_id, kind, step);

-- A model version in Ollama made by a run. status: candidate | accepted | archived.
CREATE TABLE model_versions (
    name        TEXT PRIMARY KEY,              -- Ollama name, name:vN
    family      TEXT NOT NULL,                 -- name without the version
    version     INTEGER NOT NULL,
    run_id      INTEGER REFERENCES train_runs(id) ON DELETE SET NULL,
    base        TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    dataset_hash TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate','accepted','archived')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (family, version)
);

-- Named pointers to model versions; "twin" is the accepted twin chat uses.
CREATE TABLE model_aliases (
    alias      TEXT PRIMARY KEY,
    model      TEXT NOT NULL REFERENCES model_versions(name) ON DELETE CASCADE,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
