package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// pipelineTests are the conformance tests of the collaboration pipeline.
var pipelineTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"PipelineToAgreement", testPipelineToAgreement},
	{"DeclineNeedsReason", testDeclineNeedsReason},
	{"ConfidentialRevealedOnAccept", testConfidentialRevealedOnAccept},
	{"StalledReminders", testStalledReminders},
}

// parties makes an owner organization with a listing, a requester's
// organization, and a user on each side.
type parties struct {
	db                  *sqlstore.DB
	owner, requester    *kakehashi.User
	ownerOrg, otherOrg  *kakehashi.Organization
	listing             *kakehashi.Listing
	coordinator, outsid *kakehashi.User
}

func newParties(t *testing.T, newDSN NewDSN, vis kakehashi.Visibility) *parties {
	t.Helper()
	ctx := context.Background()
	p := &parties{db: Open(t, newDSN)}
	p.ownerOrg, p.otherOrg = mustOrg(t, p.db, "owner", "JP"), mustOrg(t, p.db, "requester", "GB")
	third := mustOrg(t, p.db, "third", "US")
	user := func(email string, org int64, pr kakehashi.PlatformRole) *kakehashi.User {
		u := &kakehashi.User{Email: email, Name: email, OrgID: org, PlatformRole: pr}
		if org != 0 {
			u.OrgRole = kakehashi.RoleMember
		}
		if err := p.db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
		return u
	}
	p.owner = user("owner@example.jp", p.ownerOrg.ID, "")
	p.requester = user("requester@example.co.uk", p.otherOrg.ID, "")
	p.coordinator = user("coordinator@example.org", 0, kakehashi.PlatformCoordinator)
	p.outsid = user("outsider@example.com", third.ID, "")
	l := Listing(p.ownerOrg.ID, "pipeline")
	l.Visibility = vis
	p.listing = mustListing(t, p.db, l)
	return p
}

func (p *parties) interest(t *testing.T) *kakehashi.Introduction {
	t.Helper()
	in := &kakehashi.Introduction{ListingID: p.listing.ID, RequesterID: p.requester.ID, RequesterOrgID: p.requester.OrgID, Message: "We would like to license this."}
	if err := p.db.CreateIntroduction(context.Background(), in, p.requester); err != nil {
		t.Fatal(err)
	}
	return in
}

func inbox(t *testing.T, db *sqlstore.DB, u *kakehashi.User) []string {
	t.Helper()
	ns, err := db.Notifications(context.Background(), u.ID, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, n := range ns {
		kinds = append(kinds, n.Kind)
	}
	return kinds
}

func testPipelineToAgreement(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	in := p.interest(t)
	if in.Stage != kakehashi.StageInterest || in.OwnerOrgID != p.ownerOrg.ID {
		t.Fatalf("new interest %+v", in)
	}
	if k := inbox(t, p.db, p.owner); !slices.Equal(k, []string{"interest"}) {
		t.Fatalf("owner inbox %v", k)
	}
	dup := &kakehashi.Introduction{ListingID: p.listing.ID, RequesterID: p.requester.ID, Message: "again"}
	wantCode(t, p.db.CreateIntroduction(ctx, dup, p.requester), kakehashi.ECONFLICT)
	own := &kakehashi.Introduction{ListingID: p.listing.ID, RequesterID: p.owner.ID, Message: "mine"}
	wantCode(t, p.db.CreateIntroduction(ctx, own, p.owner), kakehashi.EINVALID)

	// The requester cannot accept their own interest; skipping a stage is refused.
	_, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, p.requester)
	wantCode(t, err, kakehashi.EFORBIDDEN)
	_, err = p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageMeeting}, p.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
	_, err = p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, p.outsid)
	wantCode(t, err, kakehashi.ENOTFOUND)

	if err := p.db.AssignCoordinator(ctx, in.ID, p.coordinator.ID, admin()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.db.AssignCoordinator(ctx, in.ID, p.outsid.ID, admin()), kakehashi.EINVALID)
	steps := []struct {
		actor *kakehashi.User
		t     kakehashi.Transition
	}{
		{p.owner, kakehashi.Transition{To: kakehashi.StageIntroduced}},
		{p.requester, kakehashi.Transition{To: kakehashi.StageMeeting, Note: "Video call on 3 Dec"}},
		{p.coordinator, kakehashi.Transition{To: kakehashi.StageNDA}},
	}
	for _, s := range steps {
		if _, err := p.db.Transition(ctx, in.ID, s.t, s.actor); err != nil {
			t.Fatalf("to %s: %v", s.t.To, err)
		}
	}
	_, err = p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageAgreement}, p.owner)
	wantCode(t, err, kakehashi.EINVALID)
	ag := &kakehashi.Agreement{Type: kakehashi.PartnerLicense, Parties: []string{"Owner", "Requester"}, Value: 12_000_000, Currency: "JPY",
		Date: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)}
	if _, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageAgreement, Agreement: ag}, p.owner); err != nil {
		t.Fatal(err)
	}
	got, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeWon}, p.owner)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != kakehashi.StageClosed || got.Outcome != kakehashi.OutcomeWon || got.Agreement == nil || got.Agreement.Value != 12_000_000 {
		t.Fatalf("closed introduction %+v", got)
	}
	stored, _ := p.db.Introduction(ctx, in.ID)
	if stored.Agreement == nil || stored.Agreement.Currency != "JPY" || !stored.Agreement.Date.Equal(ag.Date) {
		t.Fatalf("stored agreement %+v", stored.Agreement)
	}
	_, err = p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeLost, Reason: kakehashi.ReasonOther}, p.owner)
	wantCode(t, err, kakehashi.ECONFLICT)

	events, _ := p.db.StageEvents(ctx, in.ID)
	var path []kakehashi.Stage
	for _, e := range events {
		path = append(path, e.To)
	}
	if want := []kakehashi.Stage{"interest", "introduced", "meeting", "nda", "agreement", "closed"}; !slices.Equal(path, want) {
		t.Fatalf("stage history %v, want %v", path, want)
	}
	if events[2].ActorID != p.requester.ID || events[2].Note != "Video call on 3 Dec" {
		t.Fatalf("meeting event %+v", events[2])
	}
	audits, _ := p.db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "introduction", RecordID: in.ID, Limit: 100})
	transitions := 0
	for _, a := range audits {
		if a.Action == "introduction.transition" {
			transitions++
		}
	}
	if transitions != 5 {
		t.Fatalf("%d audited transitions, want 5", transitions)
	}

	// Messages reach the other parties, not the author, not outsiders.
	m := &kakehashi.Message{IntroductionID: in.ID, Body: "Draft NDA attached."}
	if err := p.db.PostMessage(ctx, m, p.requester); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.db.PostMessage(ctx, &kakehashi.Message{IntroductionID: in.ID, Body: "hi"}, p.outsid), kakehashi.ENOTFOUND)
	wantCode(t, p.db.PostMessage(ctx, &kakehashi.Message{IntroductionID: in.ID, Body: "  "}, p.owner), kakehashi.EINVALID)
	msgs, _ := p.db.Messages(ctx, in.ID)
	if len(msgs) != 1 || msgs[0].AuthorID != p.requester.ID {
		t.Fatalf("thread %+v", msgs)
	}
	if k := inbox(t, p.db, p.owner); k[0] != "message" {
		t.Fatalf("owner inbox %v", k)
	}
	if k := inbox(t, p.db, p.coordinator); !slices.Contains(k, "message") || !slices.Contains(k, "assigned") {
		t.Fatalf("coordinator inbox %v", k)
	}
	if k := inbox(t, p.db, p.outsid); len(k) != 0 {
		t.Fatalf("an outsider was notified: %v", k)
	}
	// The parties' lists.
	for _, u := range []*kakehashi.User{p.owner, p.requester, p.coordinator} {
		list, _ := p.db.Introductions(ctx, kakehashi.IntroductionFilter{Party: u})
		if len(list) != 1 {
			t.Errorf("%s sees %d introductions, want 1", u.Email, len(list))
		}
	}
	if list, _ := p.db.Introductions(ctx, kakehashi.IntroductionFilter{Party: p.outsid}); len(list) != 0 {
		t.Errorf("an outsider lists %d introductions", len(list))
	}
	if err := p.db.MarkNotificationsRead(ctx, p.owner.ID, nil); err != nil {
		t.Fatal(err)
	}
	if unread, _ := p.db.Notifications(ctx, p.owner.ID, true, 100); len(unread) != 0 {
		t.Fatalf("%d unread after marking all read", len(unread))
	}
}

func testDeclineNeedsReason(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	in := p.interest(t)
	_, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined}, p.owner)
	wantCode(t, err, kakehashi.EINVALID)
	got, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined,
		Reason: kakehashi.ReasonTooEarly, ReasonText: "Come back after the pilot."}, p.owner)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := p.db.Introduction(ctx, got.ID)
	if stored.Outcome != kakehashi.OutcomeDeclined || stored.Reason != kakehashi.ReasonTooEarly || stored.ReasonText != "Come back after the pilot." {
		t.Fatalf("declined introduction %+v", stored)
	}
	if k := inbox(t, p.db, p.requester); len(k) != 1 || k[0] != "stage" {
		t.Fatalf("the requester was not told: %v", k)
	}
	// A new interest after a decline is allowed.
	p.interest(t)
}

func testConfidentialRevealedOnAccept(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityConfidential)
	ctx := context.Background()
	in := p.interest(t)
	session := func(u *kakehashi.User) *kakehashi.User {
		tok := []byte("session-of-" + u.Email)
		p.db.DeleteSession(ctx, tok)
		now := p.db.Now()
		if err := p.db.CreateSession(ctx, tok, kakehashi.Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, err := p.db.SessionUser(ctx, tok, now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	r := session(p.requester)
	if kakehashi.SeesFullListing(r, p.listing) || kakehashi.RedactIntroduction(r, in, true).OwnerOrgID != 0 {
		t.Fatal("the confidential owner is visible before acceptance")
	}
	if _, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, p.owner); err != nil {
		t.Fatal(err)
	}
	r = session(p.requester)
	if !kakehashi.SeesFullListing(r, p.listing) || !slices.Equal(r.Revealed, []int64{p.listing.ID}) {
		t.Fatalf("after acceptance the requester does not see the listing in full (revealed %v)", r.Revealed)
	}
	in, _ = p.db.Introduction(ctx, in.ID)
	if kakehashi.RedactIntroduction(r, in, true).OwnerOrgID != p.ownerOrg.ID {
		t.Fatal("the owner stays hidden after acceptance")
	}
	if o := session(p.outsid); kakehashi.SeesFullListing(o, p.listing) {
		t.Fatal("an outsider sees the confidential listing")
	}
	ls, _ := p.db.Listings(ctx, kakehashi.ListingFilter{Country: "JP"}, r)
	if len(ls) != 1 {
		t.Fatalf("the revealed listing is not found by its owner's country: %d", len(ls))
	}
}

func testStalledReminders(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	p.db.Now = func() time.Time { return start }
	in := p.interest(t)
	if err := p.db.AssignCoordinator(ctx, in.ID, p.coordinator.ID, admin()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, p.owner); err != nil {
		t.Fatal(err)
	}
	p.db.Now = func() time.Time { return start.Add(20 * 24 * time.Hour) }
	before := start.Add(6 * 24 * time.Hour) // 14 days before "now"
	stalled, _ := p.db.Introductions(ctx, kakehashi.IntroductionFilter{StalledBefore: before})
	if len(stalled) != 1 || stalled[0].ID != in.ID {
		t.Fatalf("stalled %v", stalled)
	}
	if n, err := p.db.RemindStalled(ctx, before); err != nil || n != 1 {
		t.Fatalf("reminded %d, %v", n, err)
	}
	if n, _ := p.db.RemindStalled(ctx, before); n != 0 {
		t.Fatalf("reminded again: %d", n)
	}
	if k := inbox(t, p.db, p.coordinator); k[0] != "stalled" {
		t.Fatalf("coordinator inbox %v", k)
	}
	if k := inbox(t, p.db, p.owner); k[0] != "stalled" {
		t.Fatalf("owner inbox %v", k)
	}
	// A stage change clears the stall.
	if _, err := p.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageMeeting}, p.requester); err != nil {
		t.Fatal(err)
	}
	if stalled, _ := p.db.Introductions(ctx, kakehashi.IntroductionFilter{StalledBefore: before}); len(stalled) != 0 {
		t.Fatalf("still stalled after a stage change: %v", stalled)
	}
}
