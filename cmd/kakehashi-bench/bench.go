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
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/textproc"
)

// BEIRReport is the output of kakehashi-bench beir.
type BEIRReport struct {
	Machine bench.Machine         `json:"machine"`
	Date    string                `json:"date"`
	Corpus  string                `json:"corpus"`
	Docs    int                   `json:"docs"`
	Queries int                   `json:"queries"`
	Systems []*bench.SystemReport `json:"systems"`
	// Lexicon is the dictionary the engine translated queries with.
	Lexicon *LexiconReport `json:"lexicon,omitempty"`
	// CrossLingual compares English, Japanese and translated Japanese
	// claims, when --ja-queries is given.
	CrossLingual *bench.CrossLingualReport `json:"cross_lingual,omitempty"`
}

// LexiconReport says what loading the dictionary cost.
type LexiconReport struct {
	Path    string  `json:"path"`
	LoadSec float64 `json:"load_seconds"`
	HeapMiB float64 `json:"heap_mib"`
}

func (e *Env) benchBEIR(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi-bench beir")
	corpus := fs.String("corpus", "", "BEIR corpus.jsonl[.gz] (required)")
	queries := fs.String("queries", "", "BEIR queries.jsonl (required)")
	qrels := fs.String("qrels", "", "BEIR qrels TSV with a header (required)")
	runOut := fs.String("run", "", "write the engine's ranking here in TREC run format")
	peers := fs.String("peers", "bleve,fts5", "peers to measure in the same run: bleve, fts5, or none")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	paramFlag := fs.String("params", "", "override engine parameters, e.g. k1=0.9,title=2,b.body=0.4 (for tuning)")
	jaQueries := fs.String("ja-queries", "", "Japanese translations of some of the queries (same ids): also measure cross-lingual search")
	jaQrels := fs.String("ja-qrels", "", "qrels TSV for the --ja-queries ids (required with --ja-queries)")
	lexPath := fs.String("lexicon", lexicon.DefaultPath, "EDICT dictionary for cross-lingual matching, or none")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if (*jaQueries == "") != (*jaQrels == "") {
		return cli.Usage("--ja-queries and --ja-qrels go together")
	}
	if *jaQueries != "" && *lexPath == "none" {
		return cli.Usage("--ja-queries needs a --lexicon")
	}
	params, err := search.ParseParams(*paramFlag, search.DefaultParams())
	if err != nil {
		return cli.Usage(err.Error())
	}
	if *corpus == "" || *queries == "" || *qrels == "" {
		return cli.Usage("--corpus, --queries and --qrels are required")
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
			return cli.Usagef("unknown peer %q (want bleve, fts5 or none)", p)
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
	var jqs []bench.Query
	var jrels bench.Qrels
	if *jaQueries != "" {
		if jqs, err = bench.LoadQueries(*jaQueries); err != nil {
			return err
		}
		if jrels, err = bench.LoadQrels(*jaQrels); err != nil {
			return err
		}
	}
	var lex *lexicon.Lexicon
	if *lexPath != "none" {
		l, secs, heap, err := bench.LoadLexicon(*lexPath)
		switch {
		case err == nil:
			lex = l
			rep.Lexicon = &LexiconReport{Path: *lexPath, LoadSec: secs, HeapMiB: heap}
		case *jaQueries != "":
			return fmt.Errorf("load the lexicon: %w", err)
		default:
			fmt.Fprintf(e.Stderr, "bench: no lexicon (%v): the engine runs monolingually\n", err)
		}
	}
	eng := bench.NewEngine(an, params)
	eng.Lexicon = lex
	systems := append([]bench.System{eng}, peerSystems...)
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
	if *jaQueries != "" {
		xe := bench.NewEngine(an, params)
		xe.Lexicon = lex
		fmt.Fprintf(e.Stderr, "bench: cross-lingual: %d Japanese queries…\n", len(jqs))
		if rep.CrossLingual, err = bench.RunCrossLingual(ctx, xe, docs, qs, jqs, jrels); err != nil {
			return err
		}
		xe.Close()
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "BEIR %s: %d documents, %d judged queries; %s\n\n", *corpus, len(docs), rep.Systems[0].Metrics.Queries, rep.Machine)
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tnDCG@10\tRecall@100\tMRR@10\tbuild s\theap MiB\tp50 µs\tp99 µs\tengine/system p50\t")
	for _, r := range rep.Systems {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.2f\t%.1f\t%.0f\t%.0f\t%.3f\t\n", r.System, r.Metrics.NDCG10, r.Metrics.Recall100, r.Metrics.MRR10,
			r.BuildSec, r.HeapMiB, r.P50Micros, r.P99Micros, r.EngineLatencyRatio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l := rep.Lexicon; l != nil {
		fmt.Fprintf(e.Stdout, "\nlexicon %s: loaded in %.2f s, %.1f MiB heap\n", l.Path, l.LoadSec, l.HeapMiB)
	}
	if x := rep.CrossLingual; x != nil {
		fmt.Fprintf(e.Stdout, "\ncross-lingual, %d judged claims:\n", x.Claims)
		tw = tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "queries\tnDCG@10\tRecall@100\tMRR@10\t")
		for _, row := range []struct {
			name string
			m    bench.Metrics
		}{{"English", x.English}, {"Japanese, no translation", x.Japanese}, {"Japanese, translated", x.Translated}} {
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t\n", row.name, row.m.NDCG10, row.m.Recall100, row.m.MRR10)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "translated/English nDCG@10: %.3f (target ≥ 0.75); translated p50 %.0f µs\n", x.Ratio, x.TranslatedP50Micros)
	}
	return nil
}

// ScaleBenchReport is the output of kakehashi-bench scale.
type ScaleBenchReport struct {
	Machine bench.Machine        `json:"machine"`
	Date    string               `json:"date"`
	Sizes   []*bench.ScaleReport `json:"sizes"`
}

func (e *Env) benchScale(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi-bench scale")
	n := fs.Int("listings", 1_000_000, "largest corpus size; 10,000 and 100,000 are measured first")
	queries := fs.Int("queries", 1000, "queries of each kind per size")
	seed := fs.Uint64("seed", 1, "seed of the synthetic corpus")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || *queries < 1 {
		return cli.Usage("--listings and --queries must be positive")
	}
	an, err := textproc.New()
	if err != nil {
		return err
	}
	syn := bench.NewSynthetic(*seed)
	rep := ScaleBenchReport{Machine: bench.ThisMachine(), Date: time.Now().UTC().Format(time.RFC3339)}
	for _, size := range []int{10_000, 100_000, *n} {
		if size > *n || len(rep.Sizes) > 0 && rep.Sizes[len(rep.Sizes)-1].Listings >= size {
			continue
		}
		fmt.Fprintf(e.Stderr, "bench: %d listings: building, then %d searches and %d matches…\n", size, *queries, *queries)
		r, err := bench.RunScale(ctx, an, syn, size, *queries)
		if err != nil {
			return err
		}
		rep.Sizes = append(rep.Sizes, r)
	}
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "Synthetic listings (150–300 words, Zipf vocabulary of 60,000 words); %s\n", rep.Machine)
	fmt.Fprintln(e.Stdout, "Build on all cores (including generating the text); queries one at a time on one goroutine.")
	fmt.Fprintln(e.Stdout)
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "listings\tbuild s\theap MiB\tterms\tpostings\tsearch p50 ms\tsearch p99 ms\tmatch p50 ms\tmatch p99 ms\t")
	for _, r := range rep.Sizes {
		fmt.Fprintf(tw, "%d\t%.1f\t%.0f\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", r.Listings, r.BuildSec, r.HeapMiB, r.Terms, r.Postings,
			r.SearchP50, r.SearchP99, r.MatchP50, r.MatchP99)
	}
	return tw.Flush()
}
