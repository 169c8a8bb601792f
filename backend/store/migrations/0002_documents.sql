-- Data collection: sources, documents (with versions and URL aliases) and
-- the per-URL crawl record that makes crawls resumable and reports errors.

-- A source is where documents come from: a site URL, a platform account, an
-- export archive or a folder.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    -- site | medium | substack | devto | hashnode | wordpress | mastodon |
    -- bluesky | github | x_archive | linkedin_export | mastodon_outbox |
    -- reddit_export | folder
    kind        TEXT NOT NULL,
    -- a URL, an account handle or a file path
    location    TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    config      TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    last_run_at TEXT,
    last_job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    -- JSON summary of the last run (counts, errors by URL)
    last_result TEXT NOT NULL DEFAULT '',
    -- the crawl run number, and 1 while that run has not finished (a killed
    -- run is resumed from crawl_pages instead of starting over)
    crawl_run   INTEGER NOT NULL DEFAULT 0,
    crawl_open  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, location)
);

-- A document is one piece of the user's writing, cleaned to Markdown.
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    platform      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('article','post','code','note')),
    -- canonical URL, or the file path for imports
    url           TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    published_at  TEXT,
    language      TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    -- Markdown
    content       TEXT NOT NULL,
    words         INTEGER NOT NULL DEFAULT 0,
    -- sha256 of the normalized content, for deduplication
    content_hash  TEXT NOT NULL,
    -- the fetched bytes, gzip-compressed, for re-extraction without refetching
    raw           BLOB,
    content_type  TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    -- excluded from training and search without being deleted
    excluded      INTEGER NOT NULL DEFAULT 0,
    fetched_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX documents_hash ON documents(content_hash);
CREATE INDEX documents_source ON documents(source_id);
CREATE INDEX documents_updated ON documents(updated_at);

-- Other URLs of the same document (the same post on Medium and on the blog).
CREATE TABLE document_urls (
    url         TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE
);

-- Previous versions of a document, kept when a re-crawl changes it.
CREATE TABLE document_versions (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    raw          BLOB,
    fetched_at   TEXT NOT NULL,
    UNIQUE (document_id, version)
);

-- One row per URL (or archive entry) a source run has seen: the crawl
-- frontier for resuming after a kill, conditional-request validators, and
-- the reason when a URL was skipped or failed.
CREATE TABLE crawl_pages (
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    -- the sources.crawl_run that last queued or handled this URL
    run           INTEGER NOT NULL DEFAULT 0,
    -- queued | stored | unchanged | listing | skipped | failed
    state         TEXT NOT NULL DEFAULT 'queued',
    depth         INTEGER NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '',
    http_status   INTEGER NOT NULL DEFAULT 0,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    document_id   INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (source_id, url)
);
CREATE INDEX crawl_pages_state ON crawl_pages(source_id, state);
