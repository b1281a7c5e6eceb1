// Command kakehashi-bench measures Kakehashi: retrieval quality and speed
// on a BEIR dataset against Bleve and SQLite FTS5, the engine at scale,
// restricted-party screening, the meeting scheduler, the KPI queries, and
// the server under mixed API load. It is a separate binary so that the
// server (cmd/kakehashi) links none of the peers, load generator or
// throwaway PostgreSQL that the benchmarks need.
//
// Usage:
//
//	kakehashi-bench beir --corpus F --queries F --qrels F [--ja-queries F --ja-qrels F] [--lexicon PATH|none] [--run OUT.trec] [--peers bleve,fts5] [--json]
//	kakehashi-bench scale [--listings 1000000] [--queries 1000] [--json]
//	kakehashi-bench screening --list FILE --cases FILE [--results OUT.jsonl] [--json]
//	kakehashi-bench schedule [--seed N] [--days N] [--json]
//	kakehashi-bench kpi [--db PATH|postgres://…] [--listings 1000000] [--introductions 100000] [--runs 50] [--reuse] [--json]
//	kakehashi-bench load [--listings 1000000] [--clients 16] [--duration 60s] [--setups sqlite,pg] [--pg URL] [--server-bin PATH] [--json]
//
// Every flag can also be set from the environment as KAKEHASHI_<FLAG>, as
// for kakehashi.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kakehashi/kakehashi/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}}
	if err := env.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kakehashi-bench:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}

// Env is the outside world of one run; tests give it buffers.
type Env struct {
	cli.Env
}

const usage = `kakehashi-bench — measure Kakehashi

Benchmarks:
  beir       retrieval quality and latency on a BEIR dataset, against Bleve and SQLite FTS5
  scale      build time, memory and query latency on synthetic corpora up to --listings
  screening  restricted-party screening: recall, false positives and speed on labelled cases
  schedule   the meeting scheduler against a greedy baseline
  kpi        the KPI queries on a generated database (SQLite or PostgreSQL)
  load       mixed API load on kakehashi serve replicas (one on SQLite, two on PostgreSQL)

Run 'kakehashi-bench BENCHMARK -h' for a benchmark's flags.`

// Run runs the command line args.
func (e *Env) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, usage)
		return cli.Usage("usage: kakehashi-bench beir|scale|screening|schedule|kpi|load [flags]")
	}
	switch args[0] {
	case "beir":
		return e.benchBEIR(ctx, args[1:])
	case "scale":
		return e.benchScale(ctx, args[1:])
	case "schedule":
		return e.benchSchedule(ctx, args[1:])
	case "screening":
		return e.benchScreening(ctx, args[1:])
	case "kpi":
		return e.benchKPI(ctx, args[1:])
	case "load":
		return e.benchLoad(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.Stdout, usage)
		return nil
	}
	fmt.Fprintln(e.Stderr, usage)
	return cli.Usagef("unknown benchmark %q (want beir, scale, screening, schedule, kpi or load)", args[0])
}
