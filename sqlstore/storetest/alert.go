package storetest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// titleMatcher matches the seeds whose title contains a word of the need's
// title, standing in for the search engine.
type titleMatcher struct{ db *sqlstore.DB }

func (m titleMatcher) MatchingSeeds(ctx context.Context, need *kakehashi.Listing, viewer *kakehashi.User) ([]int64, error) {
	ls, err := m.db.Listings(ctx, kakehashi.ListingFilter{Side: kakehashi.SideSeed, Limit: 1000}, viewer)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, l := range ls {
		if strings.Contains(l.Title, strings.Fields(need.Title)[0]) {
			ids = append(ids, l.ID)
		}
	}
	return ids, nil
}

func testAlerts(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	need := Listing(p.otherOrg.ID, "need")
	need.Side, need.Kind, need.Title = kakehashi.SideNeed, kakehashi.KindChallenge, "Electrolyte wanted"
	mustListing(t, p.db, need)
	old := Listing(p.ownerOrg.ID, "old")
	old.Title = "Electrolyte from before the alert"
	mustListing(t, p.db, old)

	if err := p.db.CreateAlert(ctx, &kakehashi.Alert{ListingID: p.listing.ID}, p.requester); kakehashi.ErrorCode(err) != kakehashi.EINVALID {
		t.Fatalf("alert on a seed: %v, want EINVALID", err)
	}
	a := &kakehashi.Alert{ListingID: need.ID}
	if err := p.db.CreateAlert(ctx, a, p.requester); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.db.CreateAlert(ctx, &kakehashi.Alert{ListingID: need.ID}, p.requester), kakehashi.ECONFLICT)

	m := titleMatcher{p.db}
	if n, err := p.db.CheckAlerts(ctx, m, p.db.Now().Add(time.Second)); err != nil || n != 0 {
		t.Fatalf("check before any new seed: %d, %v", n, err)
	}
	match := Listing(p.ownerOrg.ID, "new-match")
	match.Title = "Electrolyte, sulfide, new"
	mustListing(t, p.db, match)
	other := Listing(p.ownerOrg.ID, "new-other")
	other.Title = "Unrelated optics"
	mustListing(t, p.db, other)
	before := len(outboxRows(t, p.db))
	if n, err := p.db.CheckAlerts(ctx, m, p.db.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("check: %d announced, %v; want 1", n, err)
	}
	if n, err := p.db.CheckAlerts(ctx, m, p.db.Now().Add(time.Second)); err != nil || n != 0 {
		t.Fatalf("second check: %d announced, %v; want 0", n, err)
	}
	ns, err := p.db.Notifications(ctx, p.requester.ID, false, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != "alert" || !strings.Contains(ns[0].Subject, match.Title) || ns[0].Link != "/listings/"+strconv.FormatInt(match.ID, 10) {
		t.Fatalf("inbox %+v, %v", ns, err)
	}
	rows := outboxRows(t, p.db)[before:]
	if len(rows) != 1 || rows[0].recipient != p.requester.Email || rows[0].event != "notification.alert" {
		t.Errorf("e-mails queued by the alert: %+v", rows)
	}
	list, err := p.db.Alerts(ctx, p.requester.ID)
	if err != nil || len(list) != 1 || list[0].LastSeq != other.ID {
		t.Errorf("alerts %+v, %v", list, err)
	}
	wantCode(t, p.db.DeleteAlert(ctx, a.ID, p.owner), kakehashi.ENOTFOUND)
	if err := p.db.DeleteAlert(ctx, a.ID, p.requester); err != nil {
		t.Fatal(err)
	}
}
