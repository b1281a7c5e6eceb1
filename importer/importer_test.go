package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/importer"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

var postgres pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	postgres.Stop()
	os.Exit(code)
}

// backends runs fn on a SQLite file and on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, newDSN storetest.NewDSN)) {
	t.Run("SQLite", func(t *testing.T) {
		fn(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	})
	t.Run("Postgres", func(t *testing.T) {
		c := postgres.Get(t)
		fn(t, func(t *testing.T) string { return c.NewDatabase(t) })
	})
}

// fixture is a small JSONL file with good and bad rows.
func fixture() string {
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, `{"record":"organization","external_id":"org-%d","name":"Organization %d","local_name":"組織%d","aliases":[],"kind":"university","country":"JP","region":"JP-13","sectors":["materials"],"website":"","description":"","ror":"","corporate_number":""}`+"\n", i, i, i)
	}
	for i := range 23 {
		fmt.Fprintf(&b, `{"record":"listing","external_id":"lst-%d","org":"org-%d","side":"seed","kind":"technology","title":"固体電解質 %d","summary":"Summary %d","body":"","language":"ja","keywords":["電池"],"fields":["2.5"],"sectors":["energy"],"trl":%d,"ip":{"patents":[],"status":"none","jurisdictions":[]},"partnership_types":["license"],"target_countries":["US"],"controlled":false,"visibility":"public","status":"open","deadline":"2027-03-31T23:59:59+09:00"}`+"\n", i, i%5, i, i, 1+i%9)
	}
	b.WriteString(`{"record":"listing","external_id":"orphan","org":"org-99","side":"seed","kind":"technology","title":"T","summary":"S","language":"en","trl":3}` + "\n")
	b.WriteString(`{"record":"listing","external_id":"bad-trl","org":"org-1","side":"seed","kind":"technology","title":"T","summary":"S","language":"en","trl":11}` + "\n")
	b.WriteString("{broken\n")
	return b.String()
}

func run(t *testing.T, db *sqlstore.DB, in string, f importer.Format, batch int) *importer.Report {
	t.Helper()
	im := &importer.Importer{DB: db, Actor: kakehashi.SystemActor("test"), BatchSize: batch}
	rep, err := im.Import(context.Background(), strings.NewReader(in), f)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func export(t *testing.T, db *sqlstore.DB, f importer.Format, what importer.What) string {
	t.Helper()
	var b bytes.Buffer
	if err := importer.Export(context.Background(), db, &b, f, what); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.String()
}

func TestImportTwiceChangesNothing(t *testing.T) {
	backends(t, func(t *testing.T, newDSN storetest.NewDSN) {
		db := storetest.Open(t, newDSN)
		ctx := context.Background()
		rep := run(t, db, fixture(), importer.JSONL, 4)
		if rep.Rows != 31 || rep.Created["organization"] != 5 || rep.Created["listing"] != 23 || len(rep.Problems) != 3 {
			t.Fatalf("first import: %+v", rep)
		}
		for i, want := range []int{29, 30, 31} {
			if rep.Problems[i].Line != want {
				t.Errorf("problem %d on line %d, want %d: %v", i, rep.Problems[i].Line, want, rep.Problems[i])
			}
		}
		before := export(t, db, importer.JSONL, importer.All)
		changes, _ := db.ListingChanges(ctx, 0, 1000)
		audits, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{Limit: 1000})

		rep = run(t, db, fixture(), importer.JSONL, 7)
		if rep.Unchanged["organization"] != 5 || rep.Unchanged["listing"] != 23 || len(rep.Created)+len(rep.Updated) != 0 {
			t.Fatalf("second import: %+v", rep)
		}
		if after := export(t, db, importer.JSONL, importer.All); after != before {
			t.Fatal("the second import changed the data")
		}
		if c, _ := db.ListingChanges(ctx, 0, 1000); len(c) != len(changes) {
			t.Fatalf("the second import wrote %d change-feed entries", len(c)-len(changes))
		}
		if a, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{Limit: 1000}); len(a) != len(audits) {
			t.Fatalf("the second import wrote %d audit events", len(a)-len(audits))
		}

		// A changed row updates in place.
		changed := strings.Replace(fixture(), `"title":"固体電解質 3"`, `"title":"固体電解質 three"`, 1)
		rep = run(t, db, changed, importer.JSONL, 500)
		if rep.Updated["listing"] != 1 || rep.Unchanged["listing"] != 22 {
			t.Fatalf("changed import: %+v", rep)
		}
	})
}

// TestExportRoundTrip exports, imports into an empty database and exports
// again: the two exports must be identical, in both formats.
func TestExportRoundTrip(t *testing.T) {
	newDSN := func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") }
	src := storetest.Open(t, newDSN)
	run(t, src, fixture(), importer.JSONL, 10)
	// A listing created through the API has no external id; export gives it one.
	o, _ := src.OrganizationByExternalID(context.Background(), "org-0")
	l := storetest.Listing(o.ID, "api")
	l.ExternalID = ""
	if err := src.CreateListing(context.Background(), l, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	t.Run("JSONL", func(t *testing.T) {
		out := export(t, src, importer.JSONL, importer.All)
		if !strings.Contains(out, `"external_id":"kakehashi:listing:`) {
			t.Fatal("a listing without external id was exported without one")
		}
		dst := storetest.Open(t, newDSN)
		if rep := run(t, dst, out, importer.JSONL, 3); len(rep.Problems) != 0 {
			t.Fatalf("re-import problems: %v", rep.Problems)
		}
		if again := export(t, dst, importer.JSONL, importer.All); again != out {
			t.Fatalf("round trip differs:\n%s\n---\n%s", out, again)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		orgs := export(t, src, importer.CSV, importer.Organizations)
		lists := export(t, src, importer.CSV, importer.Listings)
		dst := storetest.Open(t, newDSN)
		for _, in := range []string{orgs, lists} {
			if rep := run(t, dst, in, importer.CSV, 5); len(rep.Problems) != 0 {
				t.Fatalf("re-import problems: %v", rep.Problems)
			}
		}
		if again := export(t, dst, importer.CSV, importer.Listings); again != lists {
			t.Fatalf("CSV round trip differs:\n%s\n---\n%s", lists, again)
		}
		if again := export(t, dst, importer.JSONL, importer.All); again != export(t, src, importer.JSONL, importer.All) {
			t.Fatal("CSV round trip lost data that JSONL keeps")
		}
	})
	if err := importer.Export(context.Background(), src, &bytes.Buffer{}, importer.CSV, importer.All); err == nil {
		t.Fatal("CSV export of all record kinds must be refused")
	}
}

// TestListingBeforeItsOrganization: a listing that names an organization
// imported later in the same file is reported, not silently attached.
func TestListingBeforeItsOrganization(t *testing.T) {
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	in := `{"record":"listing","external_id":"l1","org":"o1","side":"need","kind":"challenge","title":"T","summary":"S","language":"en","trl":5}
{"record":"organization","external_id":"o1","name":"Org","kind":"company","country":"GB"}
`
	rep := run(t, db, in, importer.JSONL, 500)
	if rep.Created["organization"] != 1 || len(rep.Problems) != 1 || rep.Problems[0].Line != 1 ||
		!strings.Contains(rep.Problems[0].Message, `organization "o1" is not known`) {
		t.Fatalf("report: %+v", rep)
	}
}

// TestCSVExportNeutralisesFormulas exports text a spreadsheet would run as
// a formula (OWASP CSV injection): every such CSV cell starts with an
// apostrophe, the JSON Lines export keeps the text exact, and importing
// the CSV export gives back exactly the original text, including text that
// already began with an apostrophe.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	newDSN := func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") }
	src := storetest.Open(t, newDSN)
	in := `{"record":"organization","external_id":"evil-org","name":"=1+2","local_name":"'=already quoted","aliases":["@alias","plain"],"kind":"company","country":"JP","description":"-2+3 minus","sectors":[]}
{"record":"listing","external_id":"evil-1","org":"evil-org","side":"seed","kind":"technology","title":"=HYPERLINK(\"https://evil.example\",\"click\")","summary":"@SUM(1+1)*cmd|' /C calc'!A0","body":"+1 plus","language":"en","keywords":["-minus","=eq"],"trl":3}
{"record":"listing","external_id":"evil-2","org":"evil-org","side":"need","kind":"challenge","title":"''+two apostrophes","summary":"'plain apostrophe","body":"'","language":"en","trl":4}
`
	if rep := run(t, src, in, importer.JSONL, 10); len(rep.Problems) != 0 {
		t.Fatalf("import: %v", rep.Problems)
	}
	jsonl := export(t, src, importer.JSONL, importer.All)
	for _, exact := range []string{`"name":"=1+2"`, `"title":"=HYPERLINK(\"https://evil.example\",\"click\")"`, `"summary":"@SUM(1+1)*cmd|' /C calc'!A0"`} {
		if !strings.Contains(jsonl, exact) {
			t.Errorf("the JSON Lines export lacks %s", exact)
		}
	}
	orgs := export(t, src, importer.CSV, importer.Organizations)
	lists := export(t, src, importer.CSV, importer.Listings)
	for _, file := range []string{orgs, lists} {
		recs, err := csv.NewReader(strings.NewReader(file)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("CSV cell %q would run as a formula", cell)
				}
			}
		}
	}
	for _, want := range []string{`'=1+2`, `"'=HYPERLINK(""https://evil.example"",""click"")"`, `'@SUM(1+1)`, `'+1 plus`, `'-minus;=eq`, `''=already quoted`,
		`'''+two apostrophes`, `,'plain apostrophe,`, `,',`} {
		if !strings.Contains(orgs+lists, want) {
			t.Errorf("the CSV export lacks %s:\n%s%s", want, orgs, lists)
		}
	}
	dst := storetest.Open(t, newDSN)
	for _, file := range []string{orgs, lists} {
		if rep := run(t, dst, file, importer.CSV, 5); len(rep.Problems) != 0 {
			t.Fatalf("re-import problems: %v", rep.Problems)
		}
	}
	if again := export(t, dst, importer.JSONL, importer.All); again != jsonl {
		t.Errorf("the CSV round trip changed the text:\n%s\n---\n%s", jsonl, again)
	}
}
