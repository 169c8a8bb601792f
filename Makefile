# Doppel — see README.md. Build tags:
#   sqlite_fts5      FTS5 in mattn/go-sqlite3 (needed everywhere)
#   desktop,production,webkit2_40  the Wails desktop binary on Linux (WebKitGTK 4.0)
GO_TAGS      := sqlite_fts5
DESKTOP_TAGS := desktop,production,webkit2_40,sqlite_fts5
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -X github.com/doppelhq/doppel/backend/doppel.Version=$(VERSION)

.PHONY: app setup build frontend cli desktop test bench clean

## app: set up a fresh machine (once), build, and launch the desktop app
app: setup build
	./bin/doppel models setup
	./bin/doppel-desktop

## setup: system packages, Node modules, Wails CLI, Ollama, offline models
setup:
	./scripts/setup.sh

build: frontend cli desktop

frontend:
	cd frontend && npm run build

cli:
	go build -tags $(GO_TAGS) -ldflags "$(LDFLAGS)" -o bin/doppel ./cmd/doppel

desktop:
	go build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o bin/doppel-desktop .

## test: every test (Go, Vitest, Playwright, desktop smoke, Python trainer)
test:
	./scripts/test.sh

## bench: the benchmarks behind docs/benchmarks.md
bench:
	./scripts/bench.sh

clean:
	rm -rf bin frontend/dist/assets frontend/dist/index.html
