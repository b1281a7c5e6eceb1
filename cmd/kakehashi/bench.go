package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/bench/blevepeer"
	"github.com/kakehashi/kakehashi/bench/fts5peer"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/textproc"
)

func (e *Env) benchCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{"usage: kakehashi bench beir|scale [flags]"}
	}
	switch args[0] {
	case "beir":
		return e.benchBEIR(ctx, args[1:])
	case "scale":
		return e.benchScale(ctx, args[1:])
	}
	return usageError{fmt.Sprintf("unknown benchmark %q (want beir or scale)", args[0])}
}

// BEIRReport is the output of kakehashi bench beir.
type BEIRReport struct {
	Machine bench.Machine         `json:"machine"`
	Date    string                `json:"date"`
	Corpus  string                `json:"corpus"`
	Docs    int                   `json:"docs"`
	Queries int                   `json:"queries"`
	Systems []*bench.SystemReport `json:"systems"`
}

func (e *Env) benchBEIR(ctx context.Context, args []string) error {
	fs := e.flags("bench beir")
	corpus := fs.String("corpus", "", "BEIR corpus.jsonl[.gz] (required)")
	queries := fs.String("queries", "", "BEIR queries.jsonl (required)")
	qrels := fs.String("qrels", "", "BEIR qrels TSV with a header (required)")
	runOut := fs.String("run", "", "write the engine's ranking here in TREC run format")
	peers := fs.String("peers", "bleve,fts5", "peers to measure in the same run: bleve, fts5, or none")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *corpus == "" || *queries == "" || *qrels == "" {
		return usageError{"--corpus, --queries and --qrels are required"}
	}
	var peerSystems []bench.System
	for _, p := range strings.Split(*peers, ",") {
		switch strings.TrimSpace(p) {
		case "bleve":
			peerSystems = append(peerSystems, blevepeer.New())
		case "fts5":
			peerSystems = append(peerSystems, fts5peer.New())
		case "", "none":
		default:
			return usageError{fmt.Sprintf("unknown peer %q (want bleve, fts5 or none)", p)}
		}
	}
	docs, err := bench.LoadCorpus(*corpus)
	if err != nil {
		return err
	}
	qs, err := bench.LoadQueries(*queries)
	if err != nil {
		return err
	}
	rels, err := bench.LoadQrels(*qrels)
	if err != nil {
		return err
	}
	an, err := textproc.New()
	if err != nil {
		return err
	}
	rep := BEIRReport{Machine: bench.ThisMachine(), Date: time.Now().UTC().Format(time.RFC3339), Corpus: *corpus, Docs: len(docs), Queries: len(qs)}
	systems := append([]bench.System{bench.NewEngine(an, search.DefaultParams())}, peerSystems...)
	for _, sys := range systems {
		fmt.Fprintf(e.Stderr, "bench: %s: indexing %d documents, running %d queries…\n", sys.Name(), len(docs), len(qs))
		r, err := bench.RunSystem(ctx, sys, docs, qs, rels)
		if err != nil {
			return err
		}
		sys.Close()
		rep.Systems = append(rep.Systems, r)
		if sys.Name() == "kakehashi" && *runOut != "" {
			f, err := os.Create(*runOut)
			if err != nil {
				return err
			}
			if err := bench.WriteRun(f, r, "kakehashi"); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
	for _, r := range rep.Systems {
		r.EngineLatencyRatio = rep.Systems[0].P50Micros / r.P50Micros
	}
	if *asJSON {
		return writeJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "BEIR %s: %d documents, %d judged queries; %s\n\n", *corpus, len(docs), rep.Systems[0].Metrics.Queries, rep.Machine)
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tnDCG@10\tRecall@100\tMRR@10\tbuild s\theap MiB\tp50 µs\tp99 µs\tengine/system p50\t")
	for _, r := range rep.Systems {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.2f\t%.1f\t%.0f\t%.0f\t%.3f\t\n", r.System, r.Metrics.NDCG10, r.Metrics.Recall100, r.Metrics.MRR10,
			r.BuildSec, r.HeapMiB, r.P50Micros, r.P99Micros, r.EngineLatencyRatio)
	}
	return tw.Flush()
}

func (e *Env) benchScale(ctx context.Context, args []string) error {
	return usageError{"bench scale: not yet implemented"}
}
