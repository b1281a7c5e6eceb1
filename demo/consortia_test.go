package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestDemoConsortiaAndFunding checks what the demo promises for consortia
// and funding: two consortia (one led from Japan, one with US and UK
// members) with tasks and a pending request, open funding calls from a
// Japanese, a US and a UK funder, and an introduction the Japanese call fits.
func TestDemoConsortiaAndFunding(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "demo.db") })
	res, err := demo.Load(ctx, db, fast)
	if err != nil {
		t.Fatal(err)
	}
	if res.Consortia != 2 || res.FundingCalls < 4 {
		t.Fatalf("loaded %d consortia and %d funding calls", res.Consortia, res.FundingCalls)
	}
	list, err := db.Consortia(ctx, kakehashi.ConsortiumFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d public consortia, want 2", len(list))
	}
	countryOf := func(id int64) string {
		o, err := db.Organization(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o.Country
	}
	var jpLed, transatlantic, pending bool
	for _, c := range list {
		members, err := db.Members(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		countries := map[string]bool{}
		for _, m := range members {
			if m.Status == kakehashi.MembershipActive {
				countries[countryOf(m.OrgID)] = true
			}
			pending = pending || m.Status == kakehashi.MembershipPending
		}
		tasks, err := db.Tasks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) < 2 {
			t.Errorf("consortium %q has %d tasks", c.Title, len(tasks))
		}
		jpLed = jpLed || countryOf(c.LeadOrgID) == "JP"
		transatlantic = transatlantic || countries["US"] && countries["GB"]
	}
	if !jpLed || !transatlantic || !pending {
		t.Errorf("JP-led %v, US and GB members %v, a pending request %v", jpLed, transatlantic, pending)
	}

	open, err := db.FundingCalls(ctx, kakehashi.FundingCallFilter{OpenAt: db.Now()})
	if err != nil {
		t.Fatal(err)
	}
	funders := map[string]bool{}
	for _, f := range open {
		funders[countryOf(f.OrgID)] = true
	}
	if len(open) < 3 || !funders["JP"] || !funders["US"] || !funders["GB"] {
		t.Errorf("%d open funding calls, funders in %v", len(open), funders)
	}

	// The demo introduction: the Japanese call fits it, with words and the
	// company's matching contribution as reasons.
	ins, err := db.Introductions(ctx, kakehashi.IntroductionFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 {
		t.Fatalf("%d demo introductions, want 1", len(ins))
	}
	staff := &kakehashi.User{PlatformRole: kakehashi.PlatformCoordinator}
	target, err := kakehashi.IntroductionTarget(ctx, db, staff, ins[0])
	if err != nil {
		t.Fatal(err)
	}
	fits, err := db.FundingFits(ctx, target, db.Now(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(fits) == 0 || countryOf(fits[0].Call.OrgID) != "JP" || len(fits[0].Terms) == 0 {
		t.Fatalf("funding that fits the demo introduction: %+v", fits)
	}
	rules := []string{}
	for _, r := range fits[0].Rules {
		rules = append(rules, r.Rule)
	}
	if !slices.Contains(rules, "matching") || !slices.Contains(rules, "applicant") {
		t.Errorf("rules of the fit: %v", rules)
	}
	// Loading again changes nothing.
	if again, err := demo.Load(ctx, db, fast); err != nil || again.Loaded {
		t.Errorf("second load: %+v, %v", again, err)
	}
}
