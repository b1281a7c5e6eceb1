package importer_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

func TestRebuildAbstract(t *testing.T) {
	got := importer.RebuildAbstract(map[string][]int{"electrolytes": {1}, "Solid": {0}, "are": {2, 6}, "safe.": {3}, "They": {4}, "also": {5}, "fast.": {7}})
	if want := "Solid electrolytes are safe. They also are fast."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := importer.RebuildAbstract(nil); got != "" {
		t.Fatalf("empty index: %q", got)
	}
	// Gaps and huge positions must not allocate by position.
	if got := importer.RebuildAbstract(map[string][]int{"end": {1 << 40}, "start": {0}}); got != "start end" {
		t.Fatalf("sparse index: %q", got)
	}
}

func TestOpenAlexOrgKind(t *testing.T) {
	for typ, want := range map[string]kakehashi.OrgKind{
		"education": kakehashi.OrgUniversity, "government": kakehashi.OrgGovernment, "company": kakehashi.OrgCompany,
		"facility": kakehashi.OrgResearchInstitute, "healthcare": kakehashi.OrgResearchInstitute,
		"nonprofit": kakehashi.OrgResearchInstitute, "archive": kakehashi.OrgResearchInstitute,
		"other": kakehashi.OrgResearchInstitute, "": kakehashi.OrgResearchInstitute,
	} {
		if got := importer.OpenAlexOrgKind(typ); got != want {
			t.Errorf("%q: got %s, want %s", typ, got, want)
		}
	}
}

func runOpenAlex(t *testing.T, db *sqlstore.DB, path string, batch int) *importer.OpenAlexReport {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("test"), BatchSize: batch}
	rep, err := im.ImportOpenAlex(context.Background(), f)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if n := rep.Seeds.Created + rep.Seeds.Updated + rep.Seeds.Unchanged + len(rep.Problems); n != rep.Works {
		t.Fatalf("%d works read but %d accounted for: %+v", rep.Works, n, rep)
	}
	return rep
}

// exported returns the exported organizations and listings by external id.
func exported(t *testing.T, db *sqlstore.DB) (map[string]*importer.OrgRecord, map[string]*importer.ListingRecord) {
	t.Helper()
	orgs, lsts := map[string]*importer.OrgRecord{}, map[string]*importer.ListingRecord{}
	for _, line := range strings.Split(strings.TrimSpace(export(t, db, importer.JSONL, importer.All)), "\n") {
		if strings.Contains(line, `"record":"organization"`) {
			var o importer.OrgRecord
			json.Unmarshal([]byte(line), &o)
			orgs[o.ExternalID] = &o
		} else {
			var l importer.ListingRecord
			json.Unmarshal([]byte(line), &l)
			lsts[l.ExternalID] = &l
		}
	}
	return orgs, lsts
}

func TestImportOpenAlexFixture(t *testing.T) {
	backends(t, func(t *testing.T, newDSN storetest.NewDSN) {
		db := storetest.Open(t, newDSN)
		ctx := context.Background()
		actor := kakehashi.SystemActor("test")
		for _, o := range []*kakehashi.Organization{
			// Same ROR id as the fixture's Kyoto University: merged by ROR.
			{ExternalID: "demo-kyoto", Name: "Kyoto Univ.", Kind: kakehashi.OrgUniversity, Country: "JP", ROR: "https://ror.org/02kpeqv85"},
			// Same name and country as Mayo Clinic, no ROR: merged by name.
			{ExternalID: "demo-mayo", Name: "MAYO CLINIC", Kind: kakehashi.OrgResearchInstitute, Country: "US"},
			// Same name as Wellcome Trust but another ROR id: not merged.
			{ExternalID: "demo-wellcome", Name: "Wellcome Trust", Kind: kakehashi.OrgFunder, Country: "GB", ROR: "https://ror.org/0aaaaaa00"},
		} {
			if err := db.CreateOrganization(ctx, o, actor); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join("testdata", "openalex-works.jsonl")
		rep := runOpenAlex(t, db, path, 2)
		if rep.Works != 6 || rep.Seeds.Created != 3 {
			t.Fatalf("works/seeds: %+v", rep)
		}
		// Created: Toyota, The Riken Institute, NIH, Wellcome Trust; merged:
		// Kyoto (ROR), "RIKEN, Institute" (name), Mayo Clinic (name).
		if want := (importer.OrgCounts{UpsertCounts: importer.UpsertCounts{Created: 4}, Merged: 3}); rep.Organizations != want {
			t.Fatalf("organizations: %+v, want %+v", rep.Organizations, want)
		}
		var lines []int
		for _, p := range rep.Problems {
			lines = append(lines, p.Line)
		}
		if !slices.Equal(lines, []int{3, 4, 5}) || rep.Skipped[importer.SkipNoAbstract] != 1 ||
			rep.Skipped[importer.SkipNoCountry] != 1 || rep.Skipped[importer.SkipMalformed] != 1 {
			t.Fatalf("skipped: %v %+v", rep.Skipped, rep.Problems)
		}
		orgs, lsts := exported(t, db)
		w1 := lsts["openalex:W1"]
		if w1 == nil || w1.Org != "demo-kyoto" || w1.Title != "Solid electrolytes for batteries" ||
			!strings.HasPrefix(w1.Body, "Solid electrolytes are safe. They also are fast.") || w1.Kind != kakehashi.KindTechnology ||
			!slices.Equal(w1.Fields, []string{"2.5", "1.4", "3.2"}) || w1.TRL != importer.DefaultOpenAlexTRL || w1.Language != "en" ||
			!slices.Equal(w1.Keywords, []string{"Electrolyte", "Materials science", "Chemistry", "Medicine"}) {
			t.Errorf("W1: %+v", w1)
		}
		if w2 := lsts["openalex:W2"]; w2 == nil || w2.Org != "openalex:I300" || w2.Kind != kakehashi.KindDataset ||
			w2.Language != "ja" || !slices.Equal(w2.Fields, []string{"5.2"}) {
			t.Errorf("W2: %+v", w2)
		}
		if w6 := lsts["openalex:W6"]; w6 == nil || w6.Org != "demo-mayo" {
			t.Errorf("W6: %+v", w6)
		}
		for ext, kind := range map[string]kakehashi.OrgKind{
			"ror:03ppx1p25": kakehashi.OrgCompany, "openalex:I300": kakehashi.OrgResearchInstitute,
			"ror:01cwqze88": kakehashi.OrgGovernment, "ror:029chgv08": kakehashi.OrgResearchInstitute,
		} {
			if o := orgs[ext]; o == nil || o.Kind != kind {
				t.Errorf("%s: %+v, want kind %s", ext, o, kind)
			}
		}
		if o := orgs["openalex:I300"]; o == nil || o.Country != "JP" {
			t.Errorf("country code not upper-cased: %+v", o)
		}
		if len(orgs) != 7 {
			t.Errorf("%d organizations, want 7", len(orgs))
		}

		// Importing again changes nothing and still accounts for every work.
		rep = runOpenAlex(t, db, path, 500)
		if rep.Seeds != (importer.UpsertCounts{Unchanged: 3}) || rep.Organizations != (importer.OrgCounts{UpsertCounts: importer.UpsertCounts{Unchanged: 4}, Merged: 3}) {
			t.Fatalf("second import: %+v", rep)
		}
	})
}

// TestImportOpenAlexSample imports the 1,000-work OpenAlex sample kept
// outside the repository.
func TestImportOpenAlexSample(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "openalex-works-sample.jsonl.gz")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the OpenAlex sample is missing: %v", err)
		}
		t.Skipf("the OpenAlex sample is missing: %v", err)
	}
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	rep := runOpenAlexGzip(t, db, path)
	if rep.Works != 1000 || rep.Skipped[importer.SkipNoAbstract] != 40 || rep.Seeds.Created == 0 || rep.Skipped[importer.SkipMalformed] != 0 {
		t.Fatalf("sample: %+v", rep.Skipped)
	}
	again := runOpenAlexGzip(t, db, path)
	if again.Seeds.Unchanged != rep.Seeds.Created || again.Seeds.Created+again.Seeds.Updated != 0 || again.Organizations.Created != 0 {
		t.Fatalf("second import: seeds %+v, organizations %+v", again.Seeds, again.Organizations)
	}
}

func runOpenAlexGzip(t *testing.T, db *sqlstore.DB, path string) *importer.OpenAlexReport {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("test")}
	rep, err := im.ImportOpenAlex(context.Background(), gz)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if n := rep.Seeds.Created + rep.Seeds.Updated + rep.Seeds.Unchanged + len(rep.Problems); n != rep.Works {
		t.Fatalf("%d works read but %d accounted for", rep.Works, n)
	}
	return rep
}
