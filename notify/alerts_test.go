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
	a := &kakehashi.Alert{ListingID: need.ID}
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

// TestAlertsRankWithWhatTheirOwnerMaySee: an alert ranks new seeds against
// the need as its owner may see it. An outsider's alert on a confidential
// need, whose body alone shares words with a new seed, must not announce
// the seed (that would probe the hidden body); the alerts of the need's own
// organization, and of a requester whose introduction the owner accepted,
// read the body and do.
func TestAlertsRankWithWhatTheirOwnerMaySee(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "kakehashi.db") })
	sys := kakehashi.SystemActor("test")
	org := func(name string) *kakehashi.Organization {
		o := storetest.Org(name, "JP")
		if err := db.CreateOrganization(ctx, o, sys); err != nil {
			t.Fatal(err)
		}
		return o
	}
	owner, outside, accepted, seeds := org("owner"), org("outside"), org("accepted"), org("seeds")
	user := func(name string, o *kakehashi.Organization) *kakehashi.User {
		u := &kakehashi.User{Email: name + "@example.com", Name: name, OrgID: o.ID, OrgRole: kakehashi.RoleMember}
		if err := db.CreateUser(ctx, u, sys); err != nil {
			t.Fatal(err)
		}
		return u
	}
	member, outsider, requester := user("member", owner), user("outsider", outside), user("requester", accepted)

	need := storetest.Listing(owner.ID, "need")
	need.Side, need.Kind, need.Visibility, need.Language, need.Keywords, need.ExternalID =
		kakehashi.SideNeed, kakehashi.KindChallenge, kakehashi.VisibilityConfidential, "en", nil, ""
	need.Title = "Weed counting over rice paddies"
	need.Summary = "Survey flights that count weeds in paddy fields."
	need.Body = "The real aim: a sulfide solid electrolyte with high ionic conductivity for all-solid-state lithium batteries."
	if err := db.CreateListing(ctx, need, sys); err != nil {
		t.Fatal(err)
	}
	in := &kakehashi.Introduction{ListingID: need.ID, RequesterID: requester.ID, RequesterOrgID: accepted.ID, Message: "Interested."}
	if err := db.CreateIntroduction(ctx, in, requester); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, member); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*kakehashi.User{member, outsider, requester} {
		if err := db.CreateAlert(ctx, &kakehashi.Alert{ListingID: need.ID}, u); err != nil {
			t.Fatal(err)
		}
	}
	seed := storetest.Listing(seeds.ID, "seed")
	seed.Language, seed.Keywords, seed.ExternalID = "en", nil, ""
	seed.Title = "Sulfide solid electrolyte with high ionic conductivity"
	seed.Summary = "A sulfide solid electrolyte for all-solid-state lithium batteries, 12 mS/cm."
	seed.Body = seed.Summary
	if err := db.CreateListing(ctx, seed, sys); err != nil {
		t.Fatal(err)
	}

	an, err := textproc.New()
	if err != nil {
		t.Fatal(err)
	}
	engine := search.New(an, db, search.Options{Now: db.Now})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CheckAlerts(ctx, notify.SeedMatcher{Engine: engine}, db.Now().Add(time.Second)); err != nil || n != 2 {
		t.Errorf("announced %d, %v; want 2 (the owner's member and the accepted requester)", n, err)
	}
	for _, c := range []struct {
		u    *kakehashi.User
		want int
	}{{member, 1}, {requester, 1}, {outsider, 0}} {
		ns, err := db.Notifications(ctx, c.u.ID, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, n := range ns {
			if n.Kind == "alert" && strings.Contains(n.Subject, seed.Title) {
				got++
			}
		}
		if got != c.want {
			t.Errorf("%s heard of the seed %d times, want %d: %+v", c.u.Name, got, c.want, ns)
		}
	}
}
