package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/doppelhq/doppel/backend/jobs"
)

// progressPrinter shows job progress on stderr: a bar on a terminal, a line
// every few seconds otherwise (logs, CI).
type progressPrinter struct {
	mu    sync.Mutex
	tty   bool
	bar   *progressbar.ProgressBar
	total int64
	last  time.Time
	msg   string
}

func newProgress() *progressPrinter {
	return &progressPrinter{tty: isatty.IsTerminal(os.Stderr.Fd())}
}

// Report accepts a progress event.
func (p *progressPrinter) Report(ev jobs.Progress) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		if time.Since(p.last) > 2*time.Second || ev.Message != p.msg {
			p.last, p.msg = time.Now(), ev.Message
			if ev.Total > 0 {
				fmt.Fprintf(os.Stderr, "%s %d/%d\n", ev.Message, ev.Done, ev.Total)
			} else {
				fmt.Fprintln(os.Stderr, ev.Message)
			}
		}
		return nil
	}
	if p.bar == nil || ev.Total != p.total {
		if p.bar != nil {
			p.bar.Finish()
			fmt.Fprintln(os.Stderr)
		}
		total := ev.Total
		if total <= 0 {
			total = -1
		}
		p.total = ev.Total
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	p.bar.Describe(ev.Message)
	_ = p.bar.Set64(ev.Done)
	return nil
}

// Done clears the bar.
func (p *progressPrinter) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
