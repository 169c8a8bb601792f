#!/usr/bin/env python3
"""Writes corpus.jsonl: the fixture corpus of one (fictional) author's writing
used by the feature pipeline tests, `doppel eval retrieval` and the e2e test.
Edit the documents here and re-run: python3 make_corpus.py > corpus.jsonl"""
import json

B = "https://maya.example.com/blog/"
docs = []

def add(url, title, platform, kind, date, content):
    docs.append(dict(url=url, title=title, platform=platform, kind=kind, published_at=date, content=content.strip() + "\n"))

add(B + "sqlite-wal-mode", "Why I switched every app to SQLite WAL mode", "blog", "article", "2023-02-11", """
# Why I switched every app to SQLite WAL mode

For years I left SQLite in its default rollback-journal mode and wondered why my little desktop tools froze whenever a background sync wrote to the database. The fix turned out to be one pragma.

## What the rollback journal does

In the default mode SQLite copies the original pages into a separate journal file before it changes them. While a writer holds the lock, readers wait. On a laptop with a slow disk this meant the UI thread blocked for hundreds of milliseconds every time the sync job committed.

## What write-ahead logging changes

With `PRAGMA journal_mode=WAL` the writer appends new pages to a `-wal` file and readers keep reading the old snapshot from the main file. Readers never block the writer and the writer never blocks readers. Only one writer at a time is still the rule, so I pair WAL with a busy timeout of five seconds and immediate transactions, which take the write lock up front instead of failing halfway through with SQLITE_BUSY.

```sql
PRAGMA journal_mode = WAL;
PRAGMA busy_timeout = 5000;
PRAGMA synchronous = NORMAL;
```

## Checkpoints and the growing wal file

The wal file grows until a checkpoint copies its pages back into the database. Automatic checkpoints run every 1000 pages, but a long-lived reader can stop a checkpoint from finishing, and then the wal file grows without bound. I learned this the hard way when a forgotten open cursor left me with a 3 GB wal file on a colleague's machine.

## Verdict

WAL made the freezes disappear. The only cases where I keep the rollback journal are databases on network file systems, where WAL's shared memory index does not work.
""")

add(B + "sourdough-starter", "Keeping a sourdough starter alive on a programmer's schedule", "blog", "article", "2022-09-03", """
# Keeping a sourdough starter alive on a programmer's schedule

My starter is called Linus and he is older than my current job. People ask how I keep him alive with release weeks and on-call shifts, so here is the routine.

## Feeding ratio

I feed at 1:5:5, one part starter to five parts flour and five parts water by weight. The high ratio means the starter takes about twelve hours to peak at room temperature, which fits a morning and evening rhythm. When I know I will be busy I go to 1:10:10 and it happily waits a whole day.

## The fridge is not a failure

During crunch weeks Linus lives in the fridge. A refrigerated starter needs feeding once a week at most. Two feedings at room temperature bring him back to full strength before a bake day.

## Signs of a hungry starter

A layer of grey liquid on top, called hooch, means the yeast ran out of food. Pour it off or stir it in for a more sour loaf, then feed. A smell of nail polish remover means the same thing, only louder.

## My weekend loaf

Saturday morning I mix the levain, at noon the dough, then four sets of stretch and folds thirty minutes apart. The dough proofs overnight in the fridge and I bake it Sunday at 250 °C in a Dutch oven, lid on for twenty minutes and off for twenty-five.
""")

add(B + "code-review-checklist", "The code review checklist I actually use", "blog", "article", "2023-06-20", """
# The code review checklist I actually use

Most review checklists are too long to use. Mine fits on an index card and I go through it in order.

## 1. Can I explain what changed?

If I cannot summarize the change in two sentences after reading the description, I ask for a better description before reading the code. A review without context is a typo hunt.

## 2. Are the tests testing behaviour?

I look for a test that would fail if the feature broke. Tests that only check a mock was called prove nothing. I often ask: what bug would this test catch?

## 3. What happens on bad input?

Empty lists, null values, huge files, unicode, time zones, a network that drops halfway. I pick two of these and trace them through the code.

## 4. Is the error message useful at 3 a.m.?

An error should name the thing that failed, the file, the URL or the ID, and wrap the cause. "something went wrong" gets a comment every time.

## 5. Would I be happy to maintain this?

Naming, size of functions, whether a new abstraction pays for itself. This is where I am most careful to phrase things as suggestions, not demands.

I try to finish reviews within one working day. A fast, kind review beats a perfect late one.
""")

add(B + "bike-commute-winter", "Cycling to work through a Nordic winter", "blog", "article", "2021-12-14", """
# Cycling to work through a Nordic winter

Last winter I cycled the 11 km to the office every day from November to March. Here is what made it possible.

## Studded tyres

Nothing else matters as much. I run 45 mm tyres with 240 carbide studs each, at lower pressure, around 2.5 bar. On black ice they grip better than my winter boots.

## Layers, not a big jacket

A thin merino base layer, a fleece and a windproof shell. At minus fifteen I add a balaclava and lobster mitts. If you are warm when you leave the house you are overdressed; you should feel slightly cold for the first kilometre.

## Lights and visibility

It is dark at eight in the morning and at four in the afternoon. I use a 1000 lumen front light with a cut-off beam so I do not blind drivers, a blinking and a steady rear light, and reflective bands on my ankles, because moving reflectors are what drivers notice.

## Chain care

Road salt eats chains. I wipe and oil the chain every weekend and replaced it twice during the season. A cheap chain checker tool saved me a cassette.
""")

add(B + "go-error-wrapping", "Error wrapping in Go: %w, errors.Is and sentinel errors", "blog", "article", "2023-09-02", """
# Error wrapping in Go: %w, errors.Is and sentinel errors

Since Go 1.13 errors can wrap other errors, and I now wrap almost every error I return.

## Wrapping with context

Use `fmt.Errorf("open config %s: %w", path, err)`. The message reads like a stack of what the program was doing, from the outside in: `load settings: open config /etc/app.toml: permission denied`. Each layer adds the one fact it knows.

## Branching with errors.Is and errors.As

Callers that need to react to a specific failure use `errors.Is(err, fs.ErrNotExist)` for sentinel values and `errors.As(err, &pathErr)` for typed errors. Both walk the whole chain, so wrapping does not break them. Comparing with `==` does break, which is the most common bug I see when teams adopt wrapping.

## When to define a sentinel error

I define a sentinel like `var ErrNotFound = errors.New("not found")` only when a caller branches on it. If nobody checks, a plain wrapped error is enough and the API stays smaller.

## Do not wrap twice

Wrap once per layer with new information. A message like `read: read: read file: EOF` means three layers added nothing.

```go
if err != nil {
    return fmt.Errorf("load user %d: %w", id, err)
}
```
""")

add(B + "garden-tomatoes-balcony", "Growing tomatoes on a north-facing balcony", "blog", "article", "2022-08-21", """
# Growing tomatoes on a north-facing balcony

Everyone told me a north-facing balcony cannot grow tomatoes. They were mostly right, but I got a harvest anyway.

## Choosing varieties

Cherry tomatoes ripen with far less sun than beefsteaks. I grew 'Sungold' and 'Tumbling Tom', which trails over the railing and needs no staking.

## Containers and soil

Twenty litre pots are the minimum; smaller pots dry out in a day in July. I mixed compost with perlite for drainage and added slow-release organic fertiliser at planting time.

## Reflecting light

The trick that doubled my harvest was a white-painted board behind the plants to bounce light back onto the leaves. Some people use aluminium foil, which works too but looks terrible.

## Watering

Water in the morning, deeply, until it drains from the bottom. Uneven watering causes split fruit and blossom end rot. In August I watered every single day.

In total I picked about three kilos of cherry tomatoes from four plants. Not impressive, but they tasted like summer.
""")

add(B + "postgres-vs-sqlite-side-projects", "Postgres or SQLite for side projects?", "blog", "article", "2024-01-08", """
# Postgres or SQLite for side projects?

I get asked this a lot, so here is my rule of thumb.

## Start with SQLite when

The app runs on one machine, writes are modest, and you want backups to be a file copy. SQLite handles thousands of writes per second with WAL mode and batching, and more reads than most side projects will ever see. Deployments are simpler because there is no database server to run, patch or secure.

## Start with Postgres when

Several servers write at the same time, you need row-level security, logical replication, or extensions like PostGIS. Also when the team already runs Postgres everywhere: familiarity is a feature.

## Migrating later is fine

I have moved two projects from SQLite to Postgres. With plain SQL and a migration tool it took a weekend each. The hard parts were date handling, since SQLite stores dates as text, and case-sensitive LIKE.

My default for a new side project is SQLite, plus a nightly copy of the file to object storage.
""")

add(B + "mechanical-keyboard-build", "Building my first mechanical keyboard", "blog", "article", "2021-05-30", """
# Building my first mechanical keyboard

After years of typing on laptop keyboards I built a 65% keyboard from a kit. It took an evening and a lot of patience.

## Parts

An aluminium case, a hot-swap PCB so no soldering was needed, linear switches lubed with Krytox 205g0, and PBT keycaps. The stabilizers came pre-clipped but still rattled until I added dielectric grease.

## Lubing switches

Lubing ninety switches took three hours. You open each switch, brush a thin layer on the stem and the spring, and close it again. The result is a smooth, quiet, thocky sound that I did not expect to care about, but I do.

## Firmware

The board runs QMK. I moved Escape to Caps Lock and put arrow keys on a layer under my right thumb. Flashing the firmware is a single command once the toolchain is installed.

Would I do it again? Yes, but I would buy pre-lubed switches.
""")

add(B + "on-call-without-burnout", "On-call without burning out", "blog", "article", "2023-11-12", """
# On-call without burning out

I have been on an on-call rotation for six years. These are the practices that kept me sane.

## Pages must be actionable

Every alert that wakes someone must require a human action right now. We review every page in a weekly meeting and either fix the cause, tune the threshold, or downgrade the alert to a ticket. In one quarter this took our team from 40 pages a week to 6.

## Hand-offs are written

At the end of a shift the outgoing person writes a short hand-off: open incidents, things that look weird, and what they would check first. It takes ten minutes and saves hours.

## Compensation and recovery

A night with a page means the next morning starts late, no questions asked. Time off in lieu is not a perk; it is how you keep people in the rotation.

## Runbooks next to alerts

Each alert links to a runbook with the first three diagnostic commands. The runbook does not need to be perfect, it needs to exist.
""")

add(B + "vector-search-notes", "What I learned building vector search for my notes", "blog", "article", "2024-03-17", """
# What I learned building vector search for my notes

I built a small semantic search over ten years of personal notes. Embeddings were the easy part.

## Chunking matters more than the model

My first attempt embedded whole notes, and long notes matched everything vaguely. Splitting notes into chunks of about a thousand characters, on paragraph boundaries with a small overlap, improved the results more than switching from a small model to a big one.

## Hybrid beats pure vectors

Names, error codes and rare words are exactly what embeddings blur. Keyword search with BM25 finds them. I run both and merge the lists with reciprocal rank fusion, which needs no score calibration: each document gets one over sixty plus its rank in each list.

## Keep the offsets

Store where each chunk came from, the character offsets in the original note, so the result can link straight to the paragraph instead of the top of a long page.

## Small models are fine

A 384-dimensional MiniLM model runs on my laptop's CPU at a few hundred chunks per second and was good enough for my notes.
""")

add(B + "learning-rust-as-go-dev", "Learning Rust as a Go developer", "blog", "article", "2024-06-02", """
# Learning Rust as a Go developer

I spent three months writing Rust on weekends. Here is what surprised me coming from Go.

## The borrow checker is a design review

At first the borrow checker felt like an enemy. After a few weeks I noticed that the designs it rejected were the ones with unclear ownership, which in Go would have become data races. It pushed me towards passing data down instead of sharing it.

## Errors as values, but with ?

Rust's Result type and the question mark operator feel like Go's error returns without the boilerplate. I missed the explicit `if err != nil` less than I expected, but I did miss wrapping with context until I found the anyhow crate and its context method.

## Compile times

Go spoiled me. A clean Rust build of my small project took ninety seconds. Incremental builds are fine.

## What I keep using

I still write services in Go. I now reach for Rust for command-line tools that parse large files, where the speed and the lack of a garbage collector show.
""")

add(B + "running-first-half-marathon", "Training for my first half marathon", "blog", "article", "2022-04-24", """
# Training for my first half marathon

I ran my first half marathon in 1:58 after a twelve-week plan. I started from running 5 km twice a week.

## The plan

Three runs a week: one easy, one with intervals or tempo, one long run that grew from 8 km to 18 km. Every fourth week was a lighter recovery week. I cycled to work on the other days, which counted as cross-training.

## Easy means easy

The most important lesson: most runs should be slow enough to hold a conversation. My heart rate during easy runs stayed under 145. Running everything at medium effort was why I had been injured before.

## Race day

I started too fast, as everyone does, and paid for it at kilometre 16. Gels every 45 minutes and water at every station got me to the finish.
""")

# Short posts (X, LinkedIn, Mastodon, Bluesky).
add("https://x.com/maya_dev/status/1001", "", "x", "post", "2023-03-02",
    "Hot take: the best monitoring dashboard is the one with three graphs. Error rate, latency p99, saturation. Everything else is for incident review, not for staring at.")
add("https://x.com/maya_dev/status/1002", "", "x", "post", "2023-04-18",
    "𝐓𝐈𝐋: 𝐠𝐢𝐭 𝐫𝐞𝐛𝐚𝐬𝐞 --𝐚𝐮𝐭𝐨𝐬𝐪𝐮𝐚𝐬𝐡 turns your fixup! commits into a clean history. Make commits with `git commit --fixup=<sha>` and never hand-edit a rebase todo list again.")
add("https://www.linkedin.com/posts/maya-dev-7001", "", "linkedin", "post", "2023-07-05",
    "𝘐 𝘮𝘦𝘯𝘵𝘰𝘳𝘦𝘥 𝘧𝘰𝘶𝘳 𝘫𝘶𝘯𝘪𝘰𝘳 𝘦𝘯𝘨𝘪𝘯𝘦𝘦𝘳𝘴 𝘵𝘩𝘪𝘴 𝘺𝘦𝘢𝘳.\n\nThe single most useful habit I taught: write down what you expect before you run the code. When the result differs, you have found the gap in your mental model, and that is where learning happens.\n\n#mentoring #softwareengineering")
add("https://mastodon.social/@maya/1101", "", "mastodon", "post", "2023-10-01",
    "Flaky test of the week: it passed on my machine and failed in CI because the CI runner was in UTC and the test built a date from local midnight. Always pass an explicit time zone in tests.")
add("https://mastodon.social/@maya/1102", "", "mastodon", "post", "2024-02-14",
    "Baked a rye loaf with 30% whole rye today. Rye needs a wetter dough, no stretch and folds, and a full 24 hours of rest after baking before you cut it, or the crumb is gummy.")
add("https://x.com/maya_dev/status/1003", "", "x", "post", "2022-11-09",
    "Reminder that `SELECT count(*)` on a big Postgres table is a full scan. If you only need an estimate for a dashboard, read reltuples from pg_class.")
add("https://bsky.app/profile/maya.dev/post/3k1", "", "bluesky", "post", "2024-05-20",
    "Replaced our cron-based cleanup with a queue and idempotent jobs. The trick was a unique key per job so a retry after a crash does not delete things twice.")
add("https://www.linkedin.com/posts/maya-dev-7002", "", "linkedin", "post", "2024-01-30",
    "𝗪𝗲 𝗰𝘂𝘁 𝗼𝘂𝗿 𝗖𝗜 𝘁𝗶𝗺𝗲 𝗳𝗿𝗼𝗺 𝟮𝟮 𝘁𝗼 𝟳 𝗺𝗶𝗻𝘂𝘁𝗲𝘀.\n\nThree changes: cache the Go build and module caches between runs, split the integration tests across four parallel jobs, and stop building Docker images on pull requests that do not touch the Dockerfile.")
add("https://x.com/maya_dev/status/1004", "", "x", "post", "2021-08-15",
    "Rode 120 km today, my longest ride yet. Lesson learned: eat before you are hungry. Bonked at km 95 and the last hour was miserable.")
add("https://mastodon.social/@maya/1103", "", "mastodon", "post", "2023-05-27",
    "Unpopular opinion: feature flags are technical debt from the day you add them. Give every flag an owner and an expiry date, and delete it when the rollout is done.")
add("https://x.com/maya_dev/status/1005", "", "x", "post", "2024-08-03",
    "Finally understood why my Kubernetes pods were OOMKilled: the JVM inside did not respect the container memory limit because the base image had an ancient Java 8. Upgrading fixed it.")
add("https://bsky.app/profile/maya.dev/post/3k2", "", "bluesky", "post", "2024-09-11",
    "The basil on my balcony bolted again. Pinch the flower buds as soon as they appear, otherwise the leaves turn bitter.")
add("https://mastodon.social/@maya/1104", "", "mastodon", "post", "2022-03-08",
    "Pair programming tip: swap the keyboard every 25 minutes with a timer. The person not typing is the navigator and should think about the next test, not the current line.")
add("https://x.com/maya_dev/status/1006", "", "x", "post", "2023-12-24",
    "My favourite debugging tool this year: `git bisect run` with a script that exits 0 or 1. Found a performance regression across 400 commits in nine steps while I made coffee.")
add("https://www.linkedin.com/posts/maya-dev-7003", "", "linkedin", "post", "2022-06-14",
    "I turned down a promotion to engineering manager this year. I like working on hard technical problems and I am better at it. Staff engineer is a real career path, not a consolation prize.")
add("https://mastodon.social/@maya/1105", "", "mastodon", "post", "2024-04-06",
    "Unicode normalization bit me: two file names that looked identical, one with é as a single code point and one as e plus a combining accent. macOS and Linux disagree on which one you get. Normalize to NFC before comparing.")

# Code.
add("https://github.com/maya-dev/retry/blob/main/retry.go", "retry.go", "github", "code", "2023-08-01", '''
package retry

import (
	"context"
	"math/rand"
	"time"
)

// Policy says how often and how long to retry.
type Policy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// Backoff returns the delay before attempt n (0-based): exponential backoff
// with full jitter, capped at Max.
func (p Policy) Backoff(n int) time.Duration {
	d := p.Base << n
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	return time.Duration(rand.Int63n(int64(d) + 1))
}

// Do calls fn until it succeeds, the attempts run out or ctx is done.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	var err error
	for n := 0; n < p.Attempts; n++ {
		if err = fn(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.Backoff(n)):
		}
	}
	return err
}
''')
add("https://github.com/maya-dev/tools/blob/main/dedupe_photos.py", "dedupe_photos.py", "github", "code", "2022-01-15", '''
"""Find duplicate photos in a folder tree by content hash."""
import hashlib
import os
import sys
from collections import defaultdict


def file_hash(path, block=1 << 20):
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def find_duplicates(root):
    """Group files by size first, then hash only files that share a size."""
    by_size = defaultdict(list)
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = os.path.join(dirpath, name)
            by_size[os.path.getsize(p)].append(p)
    dupes = defaultdict(list)
    for paths in by_size.values():
        if len(paths) < 2:
            continue
        for p in paths:
            dupes[file_hash(p)].append(p)
    return [g for g in dupes.values() if len(g) > 1]


if __name__ == "__main__":
    for group in find_duplicates(sys.argv[1]):
        print("\\n".join(group), end="\\n\\n")
''')
add("https://github.com/maya-dev/ratelimit/blob/main/bucket.ts", "bucket.ts", "github", "code", "2024-02-02", '''
/** A token bucket rate limiter: capacity tokens, refilled at rate per second. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private capacity: number, private rate: number, now = Date.now()) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes one token if available; returns whether the call may proceed. */
  take(now = Date.now()): boolean {
    const elapsed = (now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
''')

# Notes.
add("notes/reading-list-2023.md", "Reading list 2023", "folder", "note", "2023-12-31", """
# Reading list 2023

- *Designing Data-Intensive Applications* (re-read): the chapter on replication lag is still the best explanation of read-your-writes consistency I know.
- *The Manager's Path*: read it to decide I did not want to be a manager.
- *A Philosophy of Software Design*: deep modules with simple interfaces; I quote "define errors out of existence" in reviews now.
- *Project Hail Mary*: the only novel I finished this year, in two nights.
""")
add("notes/home-network.md", "Home network setup", "folder", "note", "2024-07-19", """
# Home network setup

The router runs OpenWrt. A Raspberry Pi 4 runs Pi-hole for DNS ad blocking and WireGuard so I can reach the home network from my phone. IoT devices live on a separate VLAN without access to the laptop subnet. Backups: the NAS pulls laptop snapshots over SSH every night with restic, and a second copy goes to an offsite bucket weekly.
""")
add("notes/talk-ideas.md", "Conference talk ideas", "folder", "note", "2024-10-02", """
# Conference talk ideas

1. "Boring technology for local-first apps": SQLite, plain files, sync with CRDTs only where two people edit the same thing.
2. "Your tests lie": mocks that pass while production breaks, and how contract tests fixed it for our payment integration.
3. "Unicode for working programmers": normalization forms, grapheme clusters, and why string length is a hard question.
""")

# Excluded, never searchable.
d = dict(url=B + "draft-unpublished", title="Draft: salary negotiation notes", platform="blog", kind="article",
         published_at="2024-11-01", excluded=1,
         content="# Draft\n\nPrivate notes about salary negotiation with specific numbers that must never appear in search.\n")
docs.append(d)

for d in docs:
    print(json.dumps(d, ensure_ascii=False))
