package search_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestMatchFitUsesOnlyWhatTheViewerMaySee: a match's structured fit and its
// explanation never use the country of an owner the viewer may not see —
// neither the owner of the listing matched nor that of a candidate — so
// they neither name it ("looks for partners in JP") nor rank candidates by
// it. Those who see the owner get the full fit.
func TestMatchFitUsesOnlyWhatTheViewerMaySee(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	org := func(name, country string) *kakehashi.Organization {
		o := storetest.Org(name, country)
		if err := db.CreateOrganization(ctx, o, system); err != nil {
			t.Fatal(err)
		}
		return o
	}
	owner, us, gb, kr, fr, outside := org("owner", "JP"), org("us", "US"), org("gb", "GB"), org("kr", "KR"), org("fr", "FR"), org("outside", "DE")
	add := func(o *kakehashi.Organization, side kakehashi.Side, vis kakehashi.Visibility, title, summary string, targets ...string) *kakehashi.Listing {
		kind := kakehashi.KindTechnology
		if side == kakehashi.SideNeed {
			kind = kakehashi.KindChallenge
		}
		l := listing(o.ID, side, kind, "en", title, summary, "")
		l.Visibility, l.TargetCountries = vis, targets
		if err := db.CreateListing(ctx, l, system); err != nil {
			t.Fatal(err)
		}
		return l
	}
	const (
		needTitle = "Solid electrolyte for automotive batteries"
		needText  = "We look for a sulfide solid electrolyte with high ionic conductivity."
		seedTitle = "Sulfide solid electrolyte"
		seedText  = "A sulfide solid electrolyte with high ionic conductivity for batteries."
	)
	// The confidential need of a JP owner, and two public seeds alike but
	// for their targets: one looks for partners in JP, one in FR.
	need := add(owner, kakehashi.SideNeed, kakehashi.VisibilityConfidential, needTitle, needText)
	toJP := add(us, kakehashi.SideSeed, kakehashi.VisibilityPublic, seedTitle, seedText, "JP")
	toFR := add(gb, kakehashi.SideSeed, kakehashi.VisibilityPublic, seedTitle, seedText, "FR")
	// A public need looking for partners in KR, and two confidential seeds
	// alike but for their owners' countries, KR and FR.
	pubNeed := add(us, kakehashi.SideNeed, kakehashi.VisibilityPublic, "Electrolyte for sodium cells", "We need a hard-carbon anode for sodium-ion cells.", "KR")
	inKR := add(kr, kakehashi.SideSeed, kakehashi.VisibilityConfidential, "Hard-carbon anode", "Hard-carbon anodes for sodium-ion cells.")
	inFR := add(fr, kakehashi.SideSeed, kakehashi.VisibilityConfidential, "Hard-carbon anode", "Hard-carbon anodes for sodium-ion cells.")

	engine := search.New(sharedAnalyzer(t), db, search.Options{})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	outsider := &kakehashi.User{ID: 9001, OrgID: outside.ID, OrgRole: kakehashi.RoleMember}
	member := &kakehashi.User{ID: 9002, OrgID: owner.ID, OrgRole: kakehashi.RoleMember}

	match := func(id int64, viewer *kakehashi.User) map[int64]search.Hit {
		t.Helper()
		res, err := engine.Match(ctx, id, viewer, search.MatchOptions{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		hits := map[int64]search.Hit{}
		for _, h := range res.Hits {
			hits[h.Listing.ID] = h
		}
		return hits
	}
	country := func(h search.Hit) search.FitReason {
		for _, r := range h.Explanation.Fit {
			if r.Check == "country" {
				return r
			}
		}
		t.Fatalf("no country check in %+v", h.Explanation.Fit)
		return search.FitReason{}
	}
	names := func(r search.FitReason, cc string) bool {
		return strings.Contains(r.Detail, cc) || strings.Contains(strings.Join(r.Args, " "), cc)
	}

	// The outsider matching the confidential need.
	hits := match(need.ID, outsider)
	a, b := hits[toJP.ID], hits[toFR.ID]
	if a.Listing == nil || b.Listing == nil {
		t.Fatalf("the outsider's matches miss a seed: %v", hits)
	}
	if r := country(a); names(r, "JP") {
		t.Errorf("the outsider's fit names the hidden owner's country: %+v", r)
	}
	if a.Score != b.Score || a.Explanation.FitScore != b.Explanation.FitScore {
		t.Errorf("the seed looking for partners in the hidden owner's country ranks apart: score %v (fit %v) against %v (fit %v)",
			a.Score, a.Explanation.FitScore, b.Score, b.Explanation.FitScore)
	}
	// The owner's member sees its own country.
	if r := country(match(need.ID, member)[toJP.ID]); r.Reason != "seed_targets" || !names(r, "JP") {
		t.Errorf("the owner's fit: %+v, want the seed looking for partners in JP", r)
	}

	// The outsider matching the public need: confidential candidates' owners
	// stay hidden.
	hits = match(pubNeed.ID, outsider)
	c, d := hits[inKR.ID], hits[inFR.ID]
	if c.Listing == nil || d.Listing == nil {
		t.Fatalf("the outsider's matches miss a confidential seed: %v", hits)
	}
	if r := country(c); names(r, "KR") {
		t.Errorf("the outsider's fit names a hidden candidate owner's country: %+v", r)
	}
	if c.Score != d.Score || c.Explanation.FitScore != d.Explanation.FitScore {
		t.Errorf("confidential candidates rank by their hidden owners' countries: score %v (fit %v) against %v (fit %v)",
			c.Score, c.Explanation.FitScore, d.Score, d.Explanation.FitScore)
	}
	staff := &kakehashi.User{ID: 9003, PlatformRole: kakehashi.PlatformCoordinator}
	if r := country(match(pubNeed.ID, staff)[inKR.ID]); r.Reason != "need_targets" {
		t.Errorf("staff's fit for the KR seed: %+v, want need_targets", r)
	}
}
