package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

func TestImportOpenAlexAuthors(t *testing.T) {
	backends(t, func(t *testing.T, newDSN storetest.NewDSN) {
		db := storetest.Open(t, newDSN)
		ctx := context.Background()
		path := filepath.Join("testdata", "openalex-authors.jsonl")
		// Batches of one: W11 links to profiles W10's batch created.
		rep := runOpenAlex(t, db, path, 1)
		// A1 (ORCID) at Kyoto, A2 at Toyota, A3 whose ORCID iD fails its
		// checksum (kept by OpenAlex id); the author without ids is
		// skipped; W11's A9 has A1's ORCID iD and joins that profile.
		if want := (importer.ResearcherCounts{Created: 3, Linked: 0, Links: 5, Skipped: 1}); rep.Researchers != want {
			t.Fatalf("researchers: %+v, want %+v", rep.Researchers, want)
		}
		rs, err := db.Researchers(ctx, kakehashi.ResearcherFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 {
			t.Fatalf("%d researchers, want 3", len(rs))
		}
		byName := map[string]*kakehashi.Researcher{}
		for _, r := range rs {
			byName[r.Name] = r
		}
		aiko, ben, chie := byName["Aiko Tanaka"], byName["Ben Hughes"], byName["Chie Sato"]
		if aiko == nil || ben == nil || chie == nil {
			t.Fatalf("researchers: %v", byName)
		}
		kyoto, err := db.OrganizationByExternalID(ctx, "ror:02kpeqv85")
		if err != nil {
			t.Fatal(err)
		}
		if aiko.ORCID != "0000-0002-1825-0097" || aiko.OpenAlexID != "A1" || aiko.OrgID != kyoto.ID || len(aiko.ListingIDs) != 2 ||
			!slices.Equal(aiko.Publications, []kakehashi.Publication{{Title: "Sulfide solid electrolytes", Year: 2023, DOI: "10.5555/w10"}}) {
			t.Errorf("Aiko: %+v", aiko)
		}
		if chie.ORCID != "" || chie.OpenAlexID != "A3" || chie.OrgID != 0 || chie.Career != kakehashi.CareerUnknown {
			t.Errorf("Chie: %+v", chie)
		}
		if len(ben.ListingIDs) != 2 || ben.OrgID == 0 || ben.OrgID == kyoto.ID {
			t.Errorf("Ben: %+v", ben)
		}

		// Importing again creates nothing: every profile is found and
		// already linked.
		rep = runOpenAlex(t, db, path, 500)
		if want := (importer.ResearcherCounts{Created: 0, Linked: 3, Links: 0, Skipped: 1}); rep.Researchers != want {
			t.Fatalf("second import: %+v, want %+v", rep.Researchers, want)
		}
		rs, err = db.Researchers(ctx, kakehashi.ResearcherFilter{})
		if err != nil || len(rs) != 3 {
			t.Fatalf("after the second import: %d researchers, %v", len(rs), err)
		}
	})
}

// TestImportOpenAlexSampleAuthors imports the 1,000-work sample kept
// outside the repository twice and checks the author profiles.
func TestImportOpenAlexSampleAuthors(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "openalex-works-sample.jsonl.gz")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the OpenAlex sample is missing: %v", err)
		}
		t.Skipf("the OpenAlex sample is missing: %v", err)
	}
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	rep := runOpenAlexGzip(t, db, path)
	t.Logf("first import: researchers %+v", rep.Researchers)
	if rep.Researchers.Created == 0 || rep.Researchers.Links < rep.Researchers.Created {
		t.Fatalf("researchers: %+v", rep.Researchers)
	}
	again := runOpenAlexGzip(t, db, path)
	t.Logf("second import: researchers %+v", again.Researchers)
	if again.Researchers.Created != 0 || again.Researchers.Links != 0 || again.Researchers.Linked != rep.Researchers.Created {
		t.Fatalf("second import: %+v (first %+v)", again.Researchers, rep.Researchers)
	}
}

// TestImportOpenAlexSkipAuthors checks that an import told to leave authors
// out writes the seeds and no profile, and that a later import with authors
// then creates them.
func TestImportOpenAlexSkipAuthors(t *testing.T) {
	backends(t, func(t *testing.T, newDSN storetest.NewDSN) {
		db := storetest.Open(t, newDSN)
		ctx := context.Background()
		path := filepath.Join("testdata", "openalex-authors.jsonl")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("test"), BatchSize: 500, SkipAuthors: true}
		rep, err := im.ImportOpenAlex(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Seeds.Created == 0 || rep.Researchers != (importer.ResearcherCounts{}) {
			t.Fatalf("seeds %+v, researchers %+v; want seeds and no researchers", rep.Seeds, rep.Researchers)
		}
		if rs, err := db.Researchers(ctx, kakehashi.ResearcherFilter{}); err != nil || len(rs) != 0 {
			t.Fatalf("%d researchers (%v) after an import without authors", len(rs), err)
		}
		rep = runOpenAlex(t, db, path, 500)
		if rep.Researchers.Created != 3 || rep.Seeds.Created != 0 {
			t.Fatalf("second import with authors: seeds %+v, researchers %+v", rep.Seeds, rep.Researchers)
		}
	})
}
