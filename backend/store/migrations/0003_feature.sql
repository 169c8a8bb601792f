-- Feature pipeline: chunks of documents, their full-text index (FTS5) and
-- the registry of vector indexes (one sqlite-vec vec0 table per embedding
-- model and dimension, created by the indexer as vec_chunks_<id>).

-- What the indexer last did with each document: the signature covers the
-- content hash, the metadata copied into the index and the chunk settings,
-- so only new or changed documents are re-chunked and re-embedded.
CREATE TABLE indexed_documents (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    signature   TEXT NOT NULL,
    chunks      INTEGER NOT NULL DEFAULT 0,
    indexed_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- A chunk is a cleaned piece of one document. start/end are character
-- (code point) offsets into documents.content, so a citation can point into
-- the document; text is the cleaned text of that range.
CREATE TABLE chunks (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    heading_path TEXT NOT NULL DEFAULT '',
    start        INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    -- the document title and heading path, searched and embedded with the text
    context      TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    UNIQUE (document_id, position)
);

-- BM25 over chunks (external content: the text lives once, in chunks).
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    context, text,
    content='chunks', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, context, text) VALUES (new.id, new.context, new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, context, text) VALUES ('delete', old.id, old.context, old.text);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, context, text) VALUES ('delete', old.id, old.context, old.text);
    INSERT INTO chunks_fts(rowid, context, text) VALUES (new.id, new.context, new.text);
END;

-- One vector index per embedding model and dimension. state: building (being
-- filled in the background; not searched) | active (searched; holds a vector
-- for every chunk). At most one is active; a building index becomes active
-- only once it covers every chunk, and the one it replaces is dropped.
CREATE TABLE vector_indexes (
    id           INTEGER PRIMARY KEY,
    model        TEXT NOT NULL,
    dims         INTEGER NOT NULL CHECK (dims > 0),
    state        TEXT NOT NULL DEFAULT 'building' CHECK (state IN ('building','active')),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    activated_at TEXT,
    UNIQUE (model, dims)
);
CREATE UNIQUE INDEX vector_indexes_one_active ON vector_indexes(state) WHERE state = 'active';

-- One row per index run, for the status view.
CREATE TABLE index_runs (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    model           TEXT NOT NULL DEFAULT '',
    started_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at     TEXT,
    -- running | succeeded | failed
    status          TEXT NOT NULL DEFAULT 'running',
    documents       INTEGER NOT NULL DEFAULT 0,
    removed         INTEGER NOT NULL DEFAULT 0,
    chunks          INTEGER NOT NULL DEFAULT 0,
    embedded        INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT ''
);
