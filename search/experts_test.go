package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// expertFixture adds researchers to the search fixture: a JP battery
// chemist behind the solid-state seed, a US radiologist with an imaging
// profile, an early-career JP researcher whose profile alone mentions solid
// electrolytes, and a JP researcher behind the confidential seed only.
func expertFixture(t *testing.T) (*fixture, map[string]*kakehashi.Researcher) {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	people := map[string]*kakehashi.Researcher{}
	add := func(key string, r *kakehashi.Researcher) {
		t.Helper()
		r.Languages = []string{"en"}
		if err := f.db.CreateResearcher(ctx, r, system); err != nil {
			t.Fatal(err)
		}
		people[key] = r
	}
	add("chemist", &kakehashi.Researcher{OrgID: f.jp.ID, Name: "Kenji Mori", Career: kakehashi.CareerSenior, Fields: []string{"2.5"},
		Keywords: []string{"batteries"}, ListingIDs: []int64{f.byTitle["全固体電池の開発"].ID}})
	add("radiologist", &kakehashi.Researcher{OrgID: f.us.ID, Name: "Jane Doe", Career: kakehashi.CareerMid,
		Keywords: []string{"chest radiograph triage", "deep learning"}, OpenTo: kakehashi.Openness{IndustryCollaboration: true},
		ListingIDs: []int64{f.byTitle["Chest X-ray dataset"].ID}})
	add("early", &kakehashi.Researcher{OrgID: f.jp.ID, Name: "Yui Ito", Career: kakehashi.CareerEarly,
		Keywords: []string{"固体電解質", "全固体電池"}, OpenTo: kakehashi.Openness{Startup: true}})
	add("secret", &kakehashi.Researcher{OrgID: f.jp.ID, Name: "Hidden Person", Career: kakehashi.CareerMid,
		ListingIDs: []int64{f.byTitle["Confidential electrode coating"].ID}})
	return f, people
}

func expertNames(t *testing.T, res *search.ExpertResult) []string {
	t.Helper()
	var out []string
	for _, x := range res.Experts {
		out = append(out, x.Researcher.Name)
	}
	return out
}

func TestExpertsRankPeopleWithExplanations(t *testing.T) {
	f, people := expertFixture(t)
	ctx := context.Background()
	need := f.byTitle["車載用電池の固体電解質を求む"]
	res, err := f.engine.Experts(ctx, f.db, need.ID, nil, search.ExpertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := expertNames(t, res)
	if len(got) < 2 || !slices.Contains(got[:2], "Kenji Mori") || !slices.Contains(got[:2], "Yui Ito") {
		t.Fatalf("experts for the solid-electrolyte need: %v; want Kenji Mori and Yui Ito first", got)
	}
	if slices.Contains(got, "Jane Doe") || slices.Contains(got, "Hidden Person") {
		t.Errorf("unrelated or confidential-only people found: %v", got)
	}
	for _, x := range res.Experts {
		switch x.Researcher.ID {
		case people["chemist"].ID:
			if len(x.Explanation.Seeds) != 1 || x.Explanation.Seeds[0].Listing.ID != f.byTitle["全固体電池の開発"].ID ||
				len(x.Explanation.Seeds[0].Explanation.Terms) == 0 || x.Explanation.SeedScore <= 0 {
				t.Errorf("chemist not explained by the seed: %+v", x.Explanation)
			}
		case people["early"].ID:
			if x.Explanation.ProfileScore <= 0 || len(x.Explanation.Terms) == 0 || x.Explanation.Terms[0].Fields[0] != "expertise" {
				t.Errorf("early-career researcher not explained by the profile: %+v", x.Explanation)
			}
			var sum float64
			for _, tm := range x.Explanation.Terms {
				sum += tm.Contribution
			}
			if d := sum - x.Explanation.ProfileScore; d > 0.01 || d < -0.01 {
				t.Errorf("profile contributions add to %.3f, score %.3f", sum, x.Explanation.ProfileScore)
			}
		}
		if x.Organization == nil || x.Organization.ID != f.jp.ID {
			t.Errorf("organization of %s: %+v", x.Researcher.Name, x.Organization)
		}
	}

	// Filters.
	res, err = f.engine.Experts(ctx, f.db, need.ID, nil, search.ExpertOptions{Filter: search.ExpertFilter{CareerStage: kakehashi.CareerEarly}})
	if err != nil {
		t.Fatal(err)
	}
	if got := expertNames(t, res); !slices.Equal(got, []string{"Yui Ito"}) {
		t.Errorf("early-career filter: %v", got)
	}
	res, err = f.engine.Experts(ctx, f.db, need.ID, nil, search.ExpertOptions{Filter: search.ExpertFilter{OpenTo: kakehashi.OpenToAny}})
	if err != nil {
		t.Fatal(err)
	}
	if got := expertNames(t, res); !slices.Equal(got, []string{"Yui Ito"}) {
		t.Errorf("open-to filter: %v", got)
	}
	res, err = f.engine.Experts(ctx, f.db, need.ID, nil, search.ExpertOptions{Filter: search.ExpertFilter{Country: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Experts) != 0 {
		t.Errorf("country filter US: %v", expertNames(t, res))
	}
	_, err = f.engine.Experts(ctx, f.db, need.ID, nil, search.ExpertOptions{Filter: search.ExpertFilter{OrgKind: "club"}})
	if kakehashi.ErrorCode(err) != kakehashi.EINVALID {
		t.Errorf("bad org kind: %v", err)
	}
	_, err = f.engine.Experts(ctx, f.db, f.byTitle["全固体電池の開発"].ID, nil, search.ExpertOptions{})
	if kakehashi.ErrorCode(err) != kakehashi.EINVALID {
		t.Errorf("experts for a seed: %v", err)
	}

	// The other need finds the radiologist, through profile and seed.
	res, err = f.engine.Experts(ctx, f.db, f.byTitle["AI triage of chest radiographs"].ID, nil, search.ExpertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := expertNames(t, res); len(got) == 0 || got[0] != "Jane Doe" {
		t.Errorf("experts for the radiograph need: %v", got)
	}
}

func TestExpertsConfidentialSeedsAndRefresh(t *testing.T) {
	f, people := expertFixture(t)
	ctx := context.Background()
	// A need about electrode coatings: only the confidential seed's
	// researcher matches, and only for viewers who see that seed in full.
	need := listing(f.us.ID, kakehashi.SideNeed, kakehashi.KindChallenge, "en", "Electrode coating partner", "Zirconium fluoride coating for electrodes.", "")
	if err := f.db.CreateListing(ctx, need, system); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	outsider := &kakehashi.User{ID: 99, OrgID: f.us.ID, OrgRole: kakehashi.RoleMember}
	insider := &kakehashi.User{ID: 98, OrgID: f.jp.ID, OrgRole: kakehashi.RoleMember}
	res, err := f.engine.Experts(ctx, f.db, need.ID, outsider, search.ExpertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(expertNames(t, res), "Hidden Person") {
		t.Error("an outsider learns who is behind a confidential seed")
	}
	res, err = f.engine.Experts(ctx, f.db, need.ID, insider, search.ExpertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := expertNames(t, res); len(got) == 0 || got[0] != "Hidden Person" {
		t.Errorf("insider: %v", got)
	}

	// A profile edit is seen by the next query.
	r := people["radiologist"]
	r.Keywords = append(r.Keywords, "zirconium fluoride coating")
	if err := f.db.UpdateResearcher(ctx, r, system); err != nil {
		t.Fatal(err)
	}
	res, err = f.engine.Experts(ctx, f.db, need.ID, outsider, search.ExpertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := expertNames(t, res); len(got) == 0 || got[0] != "Jane Doe" {
		t.Errorf("after the profile edit: %v", got)
	}
	if len(res.Experts) > 0 && len(res.Experts[0].Researcher.ListingIDs) != 1 {
		t.Errorf("listing ids shown: %v", res.Experts[0].Researcher.ListingIDs)
	}
}
