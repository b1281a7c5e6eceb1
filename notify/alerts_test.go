package notify_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/textproc"
)

// TestSeedMatcherAlerts checks saved alerts against the real search
// engine: a new seed on the need's subject is announced once, an unrelated
// one is not.
func TestSeedMatcherAlerts(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "kakehashi.db") })
	sys := kakehashi.SystemActor("test")
	org := storetest.Org("alerts", "JP")
	if err := db.CreateOrganization(ctx, org, sys); err != nil {
		t.Fatal(err)
	}
	u := &kakehashi.User{Email: "watcher@example.com", Name: "Watcher"}
	if err := db.CreateUser(ctx, u, sys); err != nil {
		t.Fatal(err)
	}
	listing := func(side kakehashi.Side, title, summary string) *kakehashi.Listing {
		l := storetest.Listing(org.ID, title)
		l.Title, l.Summary, l.Body, l.Language, l.Keywords, l.ExternalID = title, summary, summary, "en", nil, ""
		if side == kakehashi.SideNeed {
			l.Side, l.Kind = kakehashi.SideNeed, kakehashi.KindChallenge
		}
		if err := db.CreateListing(ctx, l, sys); err != nil {
			t.Fatal(err)
		}
		return l
	}
	need := listing(kakehashi.SideNeed, "Sulfide solid electrolyte for all-solid-state batteries",
		"We need a sulfide solid electrolyte with high ionic conductivity for all-solid-state lithium batteries.")
	a := &notify.Alert{ListingID: need.ID}
	if err := db.CreateAlert(ctx, a, u); err != nil {
		t.Fatal(err)
	}
	match := listing(kakehashi.SideSeed, "Sulfide solid electrolyte with high ionic conductivity",
		"A sulfide solid electrolyte for all-solid-state lithium batteries, 12 mS/cm.")
	listing(kakehashi.SideSeed, "Rice paddy drone survey", "Drones survey rice paddies and count weeds.")

	an, err := textproc.New()
	if err != nil {
		t.Fatal(err)
	}
	engine := search.New(an, db, search.Options{Now: db.Now})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	m := notify.SeedMatcher{Engine: engine}
	for round, want := range []int{1, 0} {
		n, err := db.CheckAlerts(ctx, m, db.Now().Add(time.Second))
		if err != nil || n != want {
			t.Fatalf("round %d: announced %d, %v; want %d", round+1, n, err, want)
		}
	}
	ns, err := db.Notifications(ctx, u.ID, false, 10)
	if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Subject, match.Title) {
		t.Fatalf("inbox %+v, %v; want the matching seed once", ns, err)
	}
}
