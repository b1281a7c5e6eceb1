// Package bench measures Kakehashi's matching engine against peers on the
// same data in the same run: retrieval quality on BEIR-format collections
// (nDCG@10, Recall@100 and MRR@10 as trec_eval computes them), build time,
// heap and per-query latency; and the growth of cost on synthetic corpora.
package bench

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Doc is one corpus document.
type Doc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Query is one query.
type Query struct {
	ID   string `json:"_id"`
	Text string `json:"text"`
}

// Qrels maps query id → document id → relevance grade.
type Qrels map[string]map[string]int

// System is a retrieval system under test.
type System interface {
	Name() string
	// Build indexes the corpus.
	Build(ctx context.Context, docs []Doc) error
	// Search returns the ids of the k best documents for a query, best first.
	Search(ctx context.Context, q string, k int) ([]string, error)
	Close() error
}

// openMaybeGzip opens a file, decompressing it when its name ends in .gz.
func openMaybeGzip(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, f}, nil
}

// readJSONL decodes one JSON object per line of path into fn.
func readJSONL[T any](path string, fn func(T)) error {
	r, err := openMaybeGzip(path)
	if err != nil {
		return err
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("%s line %d: %w", path, line, err)
		}
		fn(v)
	}
	return sc.Err()
}

// LoadCorpus reads a BEIR corpus.jsonl[.gz].
func LoadCorpus(path string) ([]Doc, error) {
	var docs []Doc
	err := readJSONL(path, func(d Doc) { docs = append(docs, d) })
	return docs, err
}

// LoadQueries reads a BEIR queries.jsonl.
func LoadQueries(path string) ([]Query, error) {
	var qs []Query
	err := readJSONL(path, func(q Query) { qs = append(qs, q) })
	return qs, err
}

// LoadQrels reads a BEIR qrels TSV (query-id, corpus-id, score) with a header.
func LoadQrels(path string) (Qrels, error) {
	r, err := openMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	q := Qrels{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(strings.TrimSpace(sc.Text()), "\t")
		if line == 1 && len(f) > 0 && f[0] == "query-id" || len(f) == 1 && f[0] == "" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%s line %d: want 3 tab-separated columns, got %d", path, line, len(f))
		}
		grade, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("%s line %d: score %q: %w", path, line, f[2], err)
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[1]] = grade
	}
	return q, sc.Err()
}

// Metrics are averaged over the queries that have relevance judgements.
type Metrics struct {
	NDCG10    float64 `json:"ndcg_at_10"`
	Recall100 float64 `json:"recall_at_100"`
	MRR10     float64 `json:"mrr_at_10"`
	Queries   int     `json:"queries"`
}

// Evaluate computes trec_eval's ndcg_cut_10 (gain = grade, log2 discount),
// recall_100 and recip_rank cut at 10 for a run, over the judged queries.
// A judged query missing from the run scores zero.
func Evaluate(run map[string][]string, qrels Qrels) Metrics {
	var m Metrics
	ids := make([]string, 0, len(qrels))
	for q := range qrels {
		ids = append(ids, q)
	}
	sort.Strings(ids)
	for _, q := range ids {
		rel := qrels[q]
		relevant := 0
		var grades []int
		for _, g := range rel {
			if g > 0 {
				relevant++
				grades = append(grades, g)
			}
		}
		if relevant == 0 {
			continue
		}
		m.Queries++
		ranked := run[q]
		var dcg float64
		for i, d := range ranked[:min(10, len(ranked))] {
			if g := rel[d]; g > 0 {
				dcg += float64(g) / math.Log2(float64(i+2))
			}
		}
		slices.Sort(grades)
		slices.Reverse(grades)
		var idcg float64
		for i, g := range grades[:min(10, len(grades))] {
			idcg += float64(g) / math.Log2(float64(i+2))
		}
		m.NDCG10 += dcg / idcg
		found := 0
		for _, d := range ranked[:min(100, len(ranked))] {
			if rel[d] > 0 {
				found++
			}
		}
		m.Recall100 += float64(found) / float64(relevant)
		for i, d := range ranked[:min(10, len(ranked))] {
			if rel[d] > 0 {
				m.MRR10 += 1 / float64(i+1)
				break
			}
		}
	}
	if m.Queries > 0 {
		n := float64(m.Queries)
		m.NDCG10, m.Recall100, m.MRR10 = m.NDCG10/n, m.Recall100/n, m.MRR10/n
	}
	return m
}

// SystemReport is what one system measured.
type SystemReport struct {
	System     string  `json:"system"`
	Metrics    Metrics `json:"metrics"`
	BuildSec   float64 `json:"build_seconds"`
	HeapMiB    float64 `json:"heap_mib"`
	P50Micros  float64 `json:"p50_us"`
	P99Micros  float64 `json:"p99_us"`
	MeanMicros float64 `json:"mean_us"`
	// LatencyRatio is this system's median latency over the engine's, for
	// peers; the engine's own is 1.
	EngineLatencyRatio float64 `json:"engine_latency_ratio,omitempty"`
	run                map[string][]string
}

// heapMiB returns the live heap after a full collection.
func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// RunSystem builds sys over docs, runs every judged query (top 100) one at
// a time, and measures quality, build time, heap growth and latency. The
// queries run twice; the second pass is timed, so that every system is
// measured warm.
func RunSystem(ctx context.Context, sys System, docs []Doc, queries []Query, qrels Qrels) (*SystemReport, error) {
	before := heapMiB()
	start := time.Now()
	if err := sys.Build(ctx, docs); err != nil {
		return nil, fmt.Errorf("%s: build: %w", sys.Name(), err)
	}
	build := time.Since(start)
	heap := heapMiB() - before
	var judged []Query
	for _, q := range queries {
		if _, ok := qrels[q.ID]; ok {
			judged = append(judged, q)
		}
	}
	run := map[string][]string{}
	for _, q := range judged {
		ids, err := sys.Search(ctx, q.Text, 100)
		if err != nil {
			return nil, fmt.Errorf("%s: query %s: %w", sys.Name(), q.ID, err)
		}
		run[q.ID] = ids
	}
	lat := make([]float64, 0, len(judged))
	for _, q := range judged {
		t := time.Now()
		if _, err := sys.Search(ctx, q.Text, 100); err != nil {
			return nil, err
		}
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
	rep := &SystemReport{System: sys.Name(), Metrics: Evaluate(run, qrels), BuildSec: build.Seconds(), HeapMiB: heap, run: run}
	rep.P50Micros, rep.P99Micros, rep.MeanMicros = percentile(lat, 0.5), percentile(lat, 0.99), mean(lat)
	return rep, nil
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(max(1, len(v)))
}

// WriteRun writes a system's ranking in TREC run format.
func WriteRun(w io.Writer, rep *SystemReport, tag string) error {
	bw := bufio.NewWriter(w)
	ids := make([]string, 0, len(rep.run))
	for q := range rep.run {
		ids = append(ids, q)
	}
	sort.Strings(ids)
	for _, q := range ids {
		for i, d := range rep.run[q] {
			// Scores fall with rank, so trec_eval keeps this order.
			fmt.Fprintf(bw, "%s Q0 %s %d %d %s\n", q, d, i+1, len(rep.run[q])-i, tag)
		}
	}
	return bw.Flush()
}
