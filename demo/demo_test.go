package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

var fast = auth.Params{Memory: 64, Time: 1, Threads: 1}

// TestDemoDataset checks the promises the demo makes: its size, spread and
// mix, and that it loads exactly once.
func TestDemoDataset(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "demo.db") })
	res, err := demo.Load(ctx, db, fast)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loaded {
		t.Fatal("demo not loaded into an empty database")
	}
	orgs, err := db.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byCountry := map[string]int{}
	byKind := map[kakehashi.OrgKind]int{}
	for _, o := range orgs {
		byCountry[o.Country]++
		byKind[o.Kind]++
	}
	other := len(orgs) - byCountry["JP"] - byCountry["US"] - byCountry["GB"]
	if len(orgs) < 60 || byCountry["JP"] < 25 || byCountry["US"] < 15 || byCountry["GB"] < 10 || other < 3 {
		t.Errorf("organizations: %d total, by country %v", len(orgs), byCountry)
	}
	for _, k := range kakehashi.OrgKinds {
		if byKind[k] == 0 {
			t.Errorf("no organization of kind %s", k)
		}
	}
	admin := &kakehashi.User{PlatformRole: kakehashi.PlatformAdmin}
	ls, err := db.Listings(ctx, kakehashi.ListingFilter{Limit: 1000}, admin)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[kakehashi.ListingKind]int{}
	sides := map[kakehashi.Side]int{}
	var ja, confidential, controlled, members, withDeadline, withPatents int
	trls := map[int]bool{}
	for _, l := range ls {
		kinds[l.Kind]++
		sides[l.Side]++
		trls[l.TRL] = true
		if l.Language == "ja" {
			ja++
		}
		if l.Visibility == kakehashi.VisibilityConfidential {
			confidential++
		}
		if l.Visibility == kakehashi.VisibilityMembers {
			members++
		}
		if l.Controlled {
			controlled++
		}
		if l.Deadline != nil {
			withDeadline++
		}
		if len(l.IP.Patents) > 0 {
			withPatents++
		}
	}
	if sides[kakehashi.SideSeed] < 150 || sides[kakehashi.SideNeed] < 60 {
		t.Errorf("sides: %v", sides)
	}
	for _, k := range append(kakehashi.SeedKinds, kakehashi.NeedKinds...) {
		if kinds[k] < 5 {
			t.Errorf("only %d listings of kind %s", kinds[k], k)
		}
	}
	if float64(ja) < 0.3*float64(len(ls)) {
		t.Errorf("%d of %d listings in Japanese, want ≥ 30%%", ja, len(ls))
	}
	if confidential < 3 || controlled < 3 || members < 3 || withDeadline < 30 || withPatents < 20 || len(trls) < 7 {
		t.Errorf("confidential %d, controlled %d, members %d, deadlines %d, with patents %d, distinct TRLs %d",
			confidential, controlled, members, withDeadline, withPatents, len(trls))
	}
	roles := map[string]bool{}
	for _, a := range demo.Accounts() {
		u, err := db.UserByEmail(ctx, a.Email)
		if err != nil {
			t.Fatalf("demo account %s: %v", a.Email, err)
		}
		if err := auth.VerifyPassword(demo.Password, u.PasswordHash); err != nil {
			t.Errorf("demo account %s: password does not verify: %v", a.Email, err)
		}
		roles[string(u.OrgRole)+"/"+string(u.PlatformRole)] = true
	}
	for _, r := range []string{"/admin", "member/coordinator", "org_admin/", "member/"} {
		if !roles[r] {
			t.Errorf("no demo account with role %q (have %v)", r, roles)
		}
	}

	again, err := demo.Load(ctx, db, fast)
	if err != nil || again.Loaded {
		t.Fatalf("second load: %+v %v; want a no-op", again, err)
	}
	if n, _ := db.CountOrganizations(ctx); n != len(orgs) {
		t.Fatalf("second load changed the organizations: %d → %d", len(orgs), n)
	}
}

// TestDemoNeverMixesIntoData: a database with other organizations is left alone.
func TestDemoNeverMixesIntoData(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "demo.db") })
	if err := db.CreateOrganization(ctx, storetest.Org("real", "JP"), kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	res, err := demo.Load(ctx, db, fast)
	if err != nil || res.Loaded {
		t.Fatalf("load into a non-empty database: %+v %v", res, err)
	}
	if n, _ := db.CountOrganizations(ctx); n != 1 {
		t.Fatalf("%d organizations, want 1", n)
	}
}

// TestDemoDeadlinesFollowTheClock loads the demo a year after it was
// written and finds its needs as open as on the day it was written: the
// demo must not turn into a list of closed calls as the calendar moves.
func TestDemoDeadlinesFollowTheClock(t *testing.T) {
	ctx := context.Background()
	open := func(now time.Time) (n int) {
		db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "demo.db") })
		db.Now = func() time.Time { return now }
		if _, err := demo.Load(ctx, db, fast); err != nil {
			t.Fatal(err)
		}
		ids, err := db.ListingIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := db.ListingsByID(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			if l.Deadline != nil && l.Deadline.After(now) {
				n++
			}
		}
		return n
	}
	written := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	then, later := open(written), open(written.AddDate(1, 0, 0))
	if then < 30 || later != then {
		t.Fatalf("listings with a deadline still ahead: %d when written, %d a year later; want the same, at least 30", then, later)
	}
}
