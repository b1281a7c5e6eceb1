package search_test

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// BenchmarkExpertsOpenAlex ranks people for needs over the 1,000-work
// OpenAlex sample (about 5,800 author profiles linked to 900 seeds). It
// reports the people index's build time once, then the time of a query
// with the index built.
//
//	go test -run '^$' -bench ExpertsOpenAlex -benchtime 50x ./search/
func BenchmarkExpertsOpenAlex(b *testing.B) {
	path := filepath.Join("..", "..", "shared", "data", "openalex-works-sample.jsonl.gz")
	f, err := os.Open(path)
	if err != nil {
		b.Skipf("the OpenAlex sample is missing: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "k.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	im := &importer.Importer{DB: db, Actor: system}
	rep, err := im.ImportOpenAlex(ctx, gz)
	if err != nil {
		b.Fatal(err)
	}
	orgs, err := db.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 1})
	if err != nil || len(orgs) == 0 {
		b.Fatal(err)
	}
	var needs []int64
	for _, text := range []string{
		"Deep learning segmentation of medical images for tumour detection",
		"Gut microbiome and inflammation in patients with chronic disease",
		"Climate change effects on crop yield and soil carbon",
	} {
		n := listing(orgs[0].ID, kakehashi.SideNeed, kakehashi.KindChallenge, "en", text, text+".", "")
		if err := db.CreateListing(ctx, n, system); err != nil {
			b.Fatal(err)
		}
		needs = append(needs, n.ID)
	}
	engine := search.New(sharedAnalyzer(b), db, search.Options{Now: db.Now})
	if err := engine.Build(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := engine.Experts(ctx, db, needs[0], nil, search.ExpertOptions{})
	if err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	if len(res.Experts) == 0 {
		b.Fatal("no experts found")
	}
	b.Logf("%d researchers; first query (builds the people index) %.0f ms; top expert %q", rep.Researchers.Created, float64(first.Microseconds())/1000, res.Experts[0].Researcher.Name)
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := engine.Experts(ctx, db, needs[i%len(needs)], nil, search.ExpertOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
