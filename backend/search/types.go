// Package search is the retrieval side of the feature pipeline: BM25 over
// FTS5, KNN over sqlite-vec, and hybrid search fused by reciprocal rank.
// The types here are the contract its consumers (chat, datasets) code to.
package search

import "time"

// Mode chooses how a query is answered.
type Mode string

// Search modes. An empty Mode means hybrid when an embedding model is
// configured, else bm25.
const (
	BM25   Mode = "bm25"
	Vector Mode = "vector"
	Hybrid Mode = "hybrid"
)

// Filter narrows a query by document metadata.
type Filter struct {
	Platforms []string  `json:"platforms,omitempty"`
	Kinds     []string  `json:"kinds,omitempty"`
	After     time.Time `json:"after,omitzero"`
	Before    time.Time `json:"before,omitzero"`
}

// Query is one search request.
type Query struct {
	Text   string `json:"text"`
	K      int    `json:"k"`
	Mode   Mode   `json:"mode,omitempty"`
	Filter Filter `json:"filter,omitzero"`
	// Weights override the service's fusion weights for hybrid search.
	Weights *Weights `json:"weights,omitempty"`
}

// Weights weigh the vector and BM25 lists in reciprocal rank fusion.
type Weights struct {
	Vector float64 `json:"vector"`
	BM25   float64 `json:"bm25"`
}

// Hit is one retrieved chunk.
type Hit struct {
	ChunkID int64  `json:"chunk_id"`
	DocID   int64  `json:"doc_id"`
	URL     string `json:"url"`
	Title   string `json:"title"`
	// Text is the chunk's text.
	Text string `json:"text"`
	// Score is higher for better hits; comparable within one result list:
	// -BM25 in bm25 mode, cosine similarity in vector mode, the reciprocal
	// rank fusion score in hybrid mode.
	Score       float64 `json:"score"`
	HeadingPath string  `json:"heading_path,omitempty"`
	// Start and End are character (Unicode code point) offsets of the chunk
	// in the document content: the chunk was cut from content[Start:End] and
	// Text is that range after cleaning.
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Platform    string `json:"platform"`
	Kind        string `json:"kind"`
	PublishedAt string `json:"published_at,omitempty"`
	// Mode is how the hit was found.
	Mode Mode `json:"mode"`
	// BM25Rank and VectorRank are the 1-based ranks of the chunk in each
	// list before fusion (0: not in that list).
	BM25Rank   int `json:"bm25_rank,omitempty"`
	VectorRank int `json:"vector_rank,omitempty"`
	// Terms are the query words found in Text, for highlighting.
	Terms []string `json:"terms,omitempty"`
}
