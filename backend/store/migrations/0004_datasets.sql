-- Datasets: immutable, content-addressed dataset versions built from
-- documents, the samples they hold, and the per-extract progress of builds
-- (so a killed build resumes where it stopped).

-- A sample is one training example. Samples are immutable and stored once
-- (hash = sha256 of its text fields); an edit makes a new sample.
CREATE TABLE dataset_samples (
    id               INTEGER PRIMARY KEY,
    hash             TEXT NOT NULL UNIQUE,
    -- instruct | preference
    kind             TEXT NOT NULL CHECK (kind IN ('instruct','preference')),
    document_id      INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    -- copied from the document so filters work after it changes or goes
    source_id        INTEGER,
    doc_kind         TEXT NOT NULL DEFAULT '',
    platform         TEXT NOT NULL DEFAULT '',
    doc_title        TEXT NOT NULL DEFAULT '',
    system           TEXT NOT NULL DEFAULT '',
    instruction      TEXT NOT NULL,
    input            TEXT NOT NULL DEFAULT '',
    -- the answer (instruct) or the chosen answer (preference)
    output           TEXT NOT NULL,
    -- the rejected answer (preference only)
    rejected         TEXT NOT NULL DEFAULT '',
    chars            INTEGER NOT NULL,
    tokens           INTEGER NOT NULL,
    -- 1 when tokens is an estimate (chars/4), 0 when counted by a tokenizer
    tokens_estimated INTEGER NOT NULL DEFAULT 1,
    -- the sample this one was edited from
    edited_from      INTEGER REFERENCES dataset_samples(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX dataset_samples_document ON dataset_samples(document_id);

-- A version is immutable: id = sha256 of its config and its samples (with
-- their split and status). Edits create a child version.
CREATE TABLE dataset_versions (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES dataset_versions(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('instruct','preference')),
    -- heuristic | llm | preference
    generator   TEXT NOT NULL,
    model       TEXT NOT NULL DEFAULT '',
    -- JSON: generator options, prompts, filters, test ratio, split seed
    config      TEXT NOT NULL,
    -- JSON: counts by split/source/kind, dropped by reason, token totals
    stats       TEXT NOT NULL,
    train_count INTEGER NOT NULL,
    test_count  INTEGER NOT NULL,
    -- what made this version ("build", or a summary of the edit)
    note        TEXT NOT NULL DEFAULT '',
    job_id      INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX dataset_versions_created ON dataset_versions(created_at);

-- The samples of a version with their split and review status.
CREATE TABLE dataset_version_samples (
    version_id TEXT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
    sample_id  INTEGER NOT NULL REFERENCES dataset_samples(id),
    ord        INTEGER NOT NULL,
    split      TEXT NOT NULL CHECK (split IN ('train','test')),
    -- pending | approved | rejected (rejected samples are not exported)
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
    PRIMARY KEY (version_id, sample_id)
);
CREATE INDEX dataset_version_samples_ord ON dataset_version_samples(version_id, ord);

-- The documents a version was built from (their content hash at the time)
-- and the side of the split each one landed on.
CREATE TABLE dataset_version_documents (
    version_id   TEXT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
    document_id  INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    split        TEXT NOT NULL CHECK (split IN ('train','test')),
    PRIMARY KEY (version_id, document_id)
);

-- A build is keyed by the hash of its config and its input documents, so
-- re-running (or resuming) the same build finds its finished extracts.
CREATE TABLE dataset_builds (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    config     TEXT NOT NULL,
    version_id TEXT REFERENCES dataset_versions(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- One row per finished extract of a build: the generated pairs (JSON), or
-- the reason it produced none. Written as each extract finishes.
CREATE TABLE dataset_build_extracts (
    build_id    INTEGER NOT NULL REFERENCES dataset_builds(id) ON DELETE CASCADE,
    extract_key TEXT NOT NULL,
    -- ok | dropped
    state       TEXT NOT NULL CHECK (state IN ('ok','dropped')),
    reason      TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL DEFAULT '[]',
    attempts    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (build_id, extract_key)
);
