package crawl

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doppelhq/doppel/backend/documents"
)

// maxBatch caps the writes committed in one transaction, and maxLinger how
// long the writer waits for more before committing.
const (
	maxBatch  = 64
	maxLinger = 20 * time.Millisecond
)

// ReasonDeleted is the crawl record's reason for a page whose document
// the user deleted.
const ReasonDeleted = "deleted by you"

// writeOp is one write of a crawl run. The writer applies them in the
// order they were sent.
type writeOp struct {
	// queue adds URLs to the frontier as queued, at depth.
	queue []string
	depth int
	// url, when set, records the outcome of that URL, after storing doc
	// (when not nil) whose outcome decides the recorded state.
	url     string
	res     pageResult
	doc     *documents.Prepared
	listErr bool
}

// handledPage is a URL whose outcome has been committed.
type handledPage struct {
	url     string
	res     pageResult
	listErr bool
	outcome documents.Outcome
}

// writer is the single goroutine that writes a crawl run to the database.
// Pages are extracted in parallel; their documents and their crawl_pages
// records go through one channel and are committed in batches (group
// commit: what arrives within maxLinger, up to maxBatch),
// so writers never contend for SQLite's lock.
//
// A page's document and its crawl_pages state commit in the same
// transaction, and every URL is queued before it is fetched, in the same
// sequence of commits: a crawl killed at any point leaves a consistent
// prefix, and the resume neither refetches a stored page nor loses a
// discovered link.
type writer struct {
	r    *run
	ch   chan writeOp
	done chan struct{}
	// err is the first write error; later batches are dropped.
	err error
}

func startWriter(r *run) *writer {
	w := &writer{r: r, ch: make(chan writeOp, 2*maxBatch), done: make(chan struct{})}
	go w.loop()
	return w
}

// send queues op for writing; it blocks while the writer is behind.
func (w *writer) send(op writeOp) { w.ch <- op }

// close waits for every queued write and returns the first write error.
func (w *writer) close() error {
	close(w.ch)
	<-w.done
	return w.err
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]writeOp, 0, maxBatch)
	linger := time.NewTimer(maxLinger)
	linger.Stop()
	for op := range w.ch {
		batch = append(batch[:0], op)
		// Gather what comes within maxLinger of the first write (or up to
		// maxBatch): a commit writes every page it touched to the WAL, so
		// fewer, larger transactions cost less per page.
		linger.Reset(maxLinger)
	fill:
		for len(batch) < maxBatch {
			select {
			case op, ok := <-w.ch:
				if !ok {
					break fill
				}
				batch = append(batch, op)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop() // (Go ≥ 1.23: no stale tick is left in linger.C)
		if w.err != nil {
			continue
		}
		handled, err := w.commit(batch)
		if err != nil {
			w.err = err
			w.r.fail(err)
			continue
		}
		for _, h := range handled {
			w.r.finish(h)
		}
	}
}

// commit applies a batch in one transaction. A document that cannot be
// stored is rolled back to its savepoint and its URL recorded as failed;
// any other error fails the whole batch.
func (w *writer) commit(batch []writeOp) ([]handledPage, error) {
	ctx := context.WithoutCancel(w.r.col.Context)
	f, docs := w.r.front, w.r.c.docs
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record crawl of source %d: %w", f.source, err)
	}
	defer tx.Rollback()
	handled := make([]handledPage, 0, len(batch))
	for _, op := range batch {
		if len(op.queue) > 0 {
			if err := f.addTx(ctx, tx, op.queue, op.depth); err != nil {
				return nil, err
			}
		}
		if op.url == "" {
			continue
		}
		h := handledPage{url: op.url, res: op.res, listErr: op.listErr}
		if op.doc != nil {
			out, err := upsertSavepoint(ctx, tx, docs, op.doc)
			if err != nil {
				if isBusted(err) {
					return nil, err
				}
				h.res.State, h.res.Reason, h.listErr = StateFailed, err.Error(), true
			} else {
				h.outcome = out.Outcome
				h.res.State, h.res.DocumentID = StateStored, out.ID
				switch out.Outcome {
				case documents.Unchanged, documents.Duplicate:
					h.res.State = StateUnchanged
				case documents.Deleted:
					h.res.State, h.res.Reason = StateSkipped, ReasonDeleted
				}
			}
		}
		if err := f.markTx(ctx, tx, h.url, h.res); err != nil {
			return nil, err
		}
		handled = append(handled, h)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record crawl of source %d: commit: %w", f.source, err)
	}
	return handled, nil
}

// bustedTx marks an error after which the transaction cannot go on.
type bustedTx struct{ error }

func (b bustedTx) Unwrap() error { return b.error }

func isBusted(err error) bool { _, ok := err.(bustedTx); return ok }

// upsertSavepoint stores one document inside a savepoint, so that its
// failure undoes only its own writes.
func upsertSavepoint(ctx context.Context, tx *sql.Tx, docs *documents.Store, p *documents.Prepared) (documents.Result, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT doc"); err != nil {
		return documents.Result{}, bustedTx{fmt.Errorf("store document %s: %w", p.Input().URL, err)}
	}
	out, err := docs.UpsertTx(ctx, tx, p)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO doc; RELEASE doc"); rerr != nil {
			return documents.Result{}, bustedTx{fmt.Errorf("%w (and rolling it back: %v)", err, rerr)}
		}
		return documents.Result{}, err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE doc"); err != nil {
		return documents.Result{}, bustedTx{fmt.Errorf("store document %s: %w", p.Input().URL, err)}
	}
	return out, nil
}
