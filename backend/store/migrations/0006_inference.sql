-- Inference: conversations with their messages, and one trace per request
-- to the model (prompt monitoring), with the user's feedback on it.

-- A conversation on the Chat page.
CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL DEFAULT 'New chat',
    -- the model asked for: the twin alias or an Ollama model name
    model      TEXT NOT NULL DEFAULT '',
    rag        INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX conversations_updated ON conversations(updated_at);

-- One trace per model request from any front door (UI, OpenAI API,
-- Ollama API, /api/v1/rag, CLI).
-- status: running | ok | error | cancelled | disconnected
CREATE TABLE traces (
    id                INTEGER PRIMARY KEY,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    -- ui | openai | ollama.chat | ollama.generate | rag | cli | bench
    endpoint          TEXT NOT NULL,
    conversation_id   INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    status            TEXT NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running','ok','error','cancelled','disconnected')),
    template_name     TEXT NOT NULL DEFAULT '',
    template_version  TEXT NOT NULL DEFAULT '',
    -- the model asked for, and the Ollama model that answered
    model             TEXT NOT NULL DEFAULT '',
    resolved_model    TEXT NOT NULL DEFAULT '',
    -- JSON: Ollama options (temperature, num_ctx, num_predict, ...)
    options           TEXT NOT NULL DEFAULT '{}',
    rag               INTEGER NOT NULL DEFAULT 0,
    -- the user's question (last user message)
    query             TEXT NOT NULL DEFAULT '',
    -- JSON: search queries run (expansion) and the filter (self-query)
    retrieval         TEXT NOT NULL DEFAULT '{}',
    -- JSON: the final messages sent to the model
    prompt            TEXT NOT NULL DEFAULT '[]',
    -- JSON: the retrieved chunks with scores, numbered as cited
    chunks            TEXT NOT NULL DEFAULT '[]',
    answer            TEXT NOT NULL DEFAULT '',
    -- JSON array of strings (prompt cut to the budget, no search, ...)
    warnings          TEXT NOT NULL DEFAULT '[]',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    retrieval_ms      REAL NOT NULL DEFAULT 0,
    assembly_ms       REAL NOT NULL DEFAULT 0,
    ttft_ms           REAL NOT NULL DEFAULT 0,
    generation_ms     REAL NOT NULL DEFAULT 0,
    total_ms          REAL NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT '',
    -- the user's feedback: 1 thumbs up, -1 thumbs down, 0 none
    feedback_rating   INTEGER NOT NULL DEFAULT 0 CHECK (feedback_rating IN (-1, 0, 1)),
    feedback_note     TEXT NOT NULL DEFAULT '',
    feedback_at       TEXT
);
CREATE INDEX traces_created ON traces(created_at);
CREATE INDEX traces_status ON traces(status);
CREATE INDEX traces_conversation ON traces(conversation_id);
CREATE INDEX traces_feedback ON traces(feedback_rating) WHERE feedback_rating <> 0;

-- A message of a conversation; assistant messages carry their citations
-- and the trace that produced them.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('user','assistant')),
    content         TEXT NOT NULL,
    -- JSON array of citations (n, url, title, doc_id, chunk_id, score)
    citations       TEXT NOT NULL DEFAULT '[]',
    trace_id        INTEGER REFERENCES traces(id) ON DELETE SET NULL,
    -- ok | error | cancelled (a stopped answer keeps what was streamed)
    status          TEXT NOT NULL DEFAULT 'ok',
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

-- Feedback for the dataset builder's preference data: one row per rated,
-- finished trace. chosen/rejected pairing is the consumer's choice; see
-- docs/inference.md (a thumbs-down answer is a "rejected" candidate against
-- the author's own retrieved text; a thumbs-up answer is a "chosen" one).
CREATE VIEW trace_feedback AS
SELECT id AS trace_id, created_at, resolved_model AS model, query, prompt, chunks,
       answer, feedback_rating AS rating, feedback_note AS note, feedback_at
FROM traces
WHERE feedback_rating <> 0 AND status = 'ok';
