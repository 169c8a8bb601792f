-- Evaluation of trained models: the test split of a candidate's dataset is
-- answered by the candidate, the accepted twin and the base, and scored.

-- One evaluation of a candidate. status: queued | running | succeeded | failed | cancelled.
-- gate is the accept gate's decision: {"mode", "passed", "reasons", "accepted"}.
CREATE TABLE evaluations (
    id          INTEGER PRIMARY KEY,
    model       TEXT NOT NULL,               -- the candidate (model_versions.name)
    run_id      INTEGER REFERENCES train_runs(id) ON DELETE SET NULL,
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
    job_id      INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    dataset_dir TEXT NOT NULL,
    config      TEXT NOT NULL DEFAULT '{}',  -- samples, max_tokens, judge, embed model
    style       TEXT NOT NULL DEFAULT '{}',  -- the style profile of the author's text
    gate        TEXT NOT NULL DEFAULT '{}',
    error       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at TEXT
);
CREATE INDEX evaluations_model ON evaluations(model, id);

-- The test samples put to every model (the author's answer is the reference).
CREATE TABLE evaluation_samples (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    sample        INTEGER NOT NULL,
    system        TEXT NOT NULL DEFAULT '',
    prompt        TEXT NOT NULL,
    reference     TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, sample)
);

-- One model's answer to one sample, with its scores.
CREATE TABLE evaluation_answers (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    sample         INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('candidate','accepted','base')),
    answer         TEXT NOT NULL,
    similarity     REAL,
    rouge_l        REAL NOT NULL,
    judge_accuracy INTEGER,
    judge_style    INTEGER,
    judge_reason   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, sample, role)
);

-- Per model of an evaluation: the aggregate scores, and why any is missing.
CREATE TABLE evaluation_scores (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('candidate','accepted','base')),
    model          TEXT NOT NULL,
    loss           REAL,
    perplexity     REAL,
    similarity     REAL,
    rouge_l        REAL,
    style_distance REAL,
    style          TEXT NOT NULL DEFAULT '{}',
    judge_accuracy REAL,
    judge_style    REAL,
    answered       INTEGER NOT NULL DEFAULT 0,
    notes          TEXT NOT NULL DEFAULT '[]', -- why a metric is missing (JSON list)
    PRIMARY KEY (evaluation_id, role)
);
