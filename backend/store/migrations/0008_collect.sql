-- Data collection: tombstones of documents the user deleted, so that a
-- re-crawl, a re-import or an API sync does not bring them back. A
-- tombstone matches by any URL the document had (canonical and aliases)
-- and by content hash; removing it (restore) puts the document back.
CREATE TABLE document_tombstones (
    id           INTEGER PRIMARY KEY,
    -- the canonical URL (or file path) and content hash at deletion
    url          TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    platform     TEXT NOT NULL DEFAULT '',
    source_id    INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    -- the deleted document (metadata and Markdown) as JSON, for restoring it
    document     TEXT NOT NULL DEFAULT '{}',
    deleted_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX document_tombstones_hash ON document_tombstones(content_hash);

-- Every URL of a deleted document.
CREATE TABLE document_tombstone_urls (
    url          TEXT PRIMARY KEY,
    tombstone_id INTEGER NOT NULL REFERENCES document_tombstones(id) ON DELETE CASCADE
);
