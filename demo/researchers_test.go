package demo_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/textproc"
)

// TestDemoResearchers checks the demo's people: their number and spread,
// and that "Who could work on this?" puts the intended researcher first for
// the named demo needs, with explanations.
func TestDemoResearchers(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "demo.db") })
	res, err := demo.Load(ctx, db, fast)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.Researchers(ctx, kakehashi.ResearcherFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Researchers != len(rs) || len(rs) < 15 {
		t.Fatalf("%d researchers loaded, %d stored; want ≥ 15", res.Researchers, len(rs))
	}
	byCountry := map[string]int{}
	var early, withORCID, withAccount, linked int
	for _, r := range rs {
		o, err := db.Organization(ctx, r.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		byCountry[o.Country]++
		if r.Career == kakehashi.CareerEarly {
			early++
		}
		if r.ORCID != "" {
			if err := kakehashi.CheckORCID(r.ORCID); err != nil {
				t.Errorf("%s: %v", r.Name, err)
			}
			withORCID++
		}
		if r.UserID != 0 {
			withAccount++
		}
		if len(r.ListingIDs) > 0 {
			linked++
		}
	}
	if byCountry["JP"] < 5 || byCountry["US"] < 4 || byCountry["GB"] < 3 || early < 5 || withORCID < 8 || withAccount < 1 || linked != len(rs) {
		t.Errorf("by country %v, early-career %d, with ORCID %d, with an account %d, linked to seeds %d of %d",
			byCountry, early, withORCID, withAccount, linked, len(rs))
	}

	an, err := textproc.New()
	if err != nil {
		t.Fatal(err)
	}
	engine := search.New(an, db, search.Options{Now: db.Now})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	for ext, want := range demo.IntendedExpert {
		var id int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM listings WHERE external_id = $1`, ext).Scan(&id); err != nil {
			t.Fatal(err)
		}
		found, err := engine.Experts(ctx, db, id, nil, search.ExpertOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range found.Experts {
			names = append(names, x.Researcher.Name)
		}
		t.Logf("%s %q: %v", ext, found.Listing.Title, names)
		if len(found.Experts) < 2 || found.Experts[0].Researcher.Name != want {
			t.Fatalf("%s: experts %v, want %s first", ext, names, want)
		}
		top := found.Experts[0].Explanation
		if len(top.Terms) == 0 || len(top.Seeds) == 0 || len(top.Seeds[0].Explanation.Terms) == 0 || len(top.SharedFields) == 0 {
			t.Errorf("%s: top expert not explained by profile, seeds and fields: %+v", ext, top)
		}
	}
}
