package storetest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
)

// callTests are the conformance tests of challenge calls.
var callTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"CallPublishedAsListing", testCallPublishedAsListing},
	{"CallValidation", testCallValidation},
	{"ProposalEligibilityAndDeadline", testProposalEligibilityAndDeadline},
	{"ProposalReviewRankAdopt", testProposalReviewRankAdopt},
}

// Call returns a valid call of organization orgID, closing at deadline:
// two criteria weighted 3 and 1, open to universities in JP and GB.
func Call(orgID int64, deadline time.Time) *kakehashi.Call {
	return &kakehashi.Call{
		OrgID: orgID, Theme: "Sulfide solid electrolytes for municipal bus batteries",
		Background: "The city runs 300 electric buses and wants batteries that survive winter.", Language: "en",
		Deadline: deadline, TimeZone: "Asia/Tokyo", Budget: 50_000_000, Currency: "JPY",
		EligibleKinds: []kakehashi.OrgKind{kakehashi.OrgUniversity}, EligibleCountries: []string{"JP", "GB"},
		TRLMin: 3, TRLMax: 6, Criteria: []kakehashi.Criterion{{Name: "Feasibility", Weight: 3}, {Name: "Impact", Weight: 1}},
		IPTerms: "Background IP stays with the proposer; the city gets a royalty-free licence for its own buses.",
	}
}

// Proposal returns a valid draft proposal to call callID.
func Proposal(callID int64) *kakehashi.Proposal {
	return &kakehashi.Proposal{CallID: callID, Summary: "A sulfide electrolyte that keeps 90% capacity at -20 °C.",
		Approach: "Pilot cells in year one, a bus pack in year two.", TRL: 4, Team: "Two professors, three postdocs.", BudgetRequested: 20_000_000}
}

// callWorld is a call of the parties' owner organization with a clock the
// test moves.
type callWorld struct {
	*parties
	clock *clock
	call  *kakehashi.Call
}

func newCallWorld(t *testing.T, newDSN NewDSN) *callWorld {
	t.Helper()
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	w := &callWorld{parties: p, clock: &clock{t: time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)}}
	p.db.Now = w.clock.Now
	w.call = Call(p.ownerOrg.ID, time.Date(2027, 3, 31, 17, 0, 0, 0, time.UTC))
	if err := p.db.CreateCall(context.Background(), w.call, p.owner); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *callWorld) submitted(t *testing.T, u *kakehashi.User) *kakehashi.Proposal {
	t.Helper()
	ctx := context.Background()
	p := Proposal(w.call.ID)
	if err := w.db.CreateProposal(ctx, p, u); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.SubmitProposal(ctx, p.ID, u); err != nil {
		t.Fatal(err)
	}
	return p
}

func testCallPublishedAsListing(t *testing.T, newDSN NewDSN) {
	w := newCallWorld(t, newDSN)
	ctx := context.Background()
	c := w.call
	if c.ID == 0 || c.ListingID == 0 || c.CreatedBy != w.owner.ID {
		t.Fatalf("created call %+v", c)
	}
	got, err := w.db.Call(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Theme != c.Theme || !got.Deadline.Equal(c.Deadline) || got.TimeZone != "Asia/Tokyo" || !slices.Equal(got.Criteria, c.Criteria) ||
		!slices.Equal(got.EligibleCountries, []string{"JP", "GB"}) || got.Budget != 50_000_000 {
		t.Fatalf("read back %+v, want %+v", got, c)
	}
	if d := got.DeadlineLocal(); d.Hour() != 2 || d.Day() != 1 || d.Month() != time.April {
		t.Fatalf("deadline in Tokyo %v, want 1 April 02:00", d)
	}
	l, err := w.db.Listing(ctx, c.ListingID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Side != kakehashi.SideNeed || l.Kind != kakehashi.KindChallenge || l.OrgID != w.ownerOrg.ID || l.Title != c.Theme ||
		l.Visibility != kakehashi.VisibilityPublic || l.Status != kakehashi.StatusOpen || l.Deadline == nil || !l.Deadline.Equal(c.Deadline) {
		t.Fatalf("call listing %+v", l)
	}
	// An update republishes the listing; the criteria may change until a
	// proposal is scored.
	got.Theme, got.Criteria = "Solid electrolytes for buses", []kakehashi.Criterion{{Name: "Feasibility", Weight: 2}, {Name: "Impact", Weight: 2}}
	if err := w.db.UpdateCall(ctx, got, w.owner); err != nil {
		t.Fatal(err)
	}
	if l, _ := w.db.Listing(ctx, c.ListingID); l.Title != "Solid electrolytes for buses" {
		t.Fatalf("listing title %q after the call's update", l.Title)
	}
	wantCode(t, w.db.UpdateCall(ctx, got, w.requester), kakehashi.EFORBIDDEN)
	other := Call(w.ownerOrg.ID, c.Deadline)
	wantCode(t, w.db.CreateCall(ctx, other, w.requester), kakehashi.EFORBIDDEN)
	if err := w.db.CreateCall(ctx, other, w.coordinator); err != nil {
		t.Fatalf("a coordinator puts out a call for an organization: %v", err)
	}
	open, err := w.db.Calls(ctx, kakehashi.CallFilter{OpenAt: w.clock.Now()})
	if err != nil || len(open) != 2 {
		t.Fatalf("open calls: %d, %v", len(open), err)
	}
	if later, _ := w.db.Calls(ctx, kakehashi.CallFilter{OpenAt: c.Deadline.Add(time.Second)}); len(later) != 0 {
		t.Fatalf("%d calls open after the deadline", len(later))
	}
	audits, _ := w.db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "call", RecordID: c.ID})
	if len(audits) != 2 {
		t.Fatalf("%d audit events for the call, want create and update", len(audits))
	}
}

func testCallValidation(t *testing.T, newDSN NewDSN) {
	w := newCallWorld(t, newDSN)
	c := Call(w.ownerOrg.ID, time.Time{})
	c.TimeZone, c.Currency, c.TRLMin, c.TRLMax, c.EligibleCountries = "Mars/Olympus", "Yen!", 7, 3, []string{"XX"}
	c.EligibleKinds = []kakehashi.OrgKind{"club"}
	c.Criteria = []kakehashi.Criterion{{Name: "Impact", Weight: 0}, {Name: "impact", Weight: 1}}
	err := w.db.CreateCall(context.Background(), c, w.owner)
	wantCode(t, err, kakehashi.EINVALID)
	fields := map[string]bool{}
	for _, f := range kakehashi.FieldErrors(err) {
		fields[f.Field] = true
	}
	for _, f := range []string{"deadline", "time_zone", "currency", "trl_max", "eligible_countries[0]", "eligible_kinds[0]", "criteria[0].weight", "criteria[1].name"} {
		if !fields[f] {
			t.Errorf("no field error for %s in %v", f, err)
		}
	}
}

func testProposalEligibilityAndDeadline(t *testing.T, newDSN NewDSN) {
	w := newCallWorld(t, newDSN)
	ctx := context.Background()
	// The outsider's organization is in the US: not eligible. The owner's
	// organization runs the call; staff without an organization cannot propose.
	wantCode(t, w.db.CreateProposal(ctx, Proposal(w.call.ID), w.outsid), kakehashi.EFORBIDDEN)
	wantCode(t, w.db.CreateProposal(ctx, Proposal(w.call.ID), w.owner), kakehashi.EFORBIDDEN)
	wantCode(t, w.db.CreateProposal(ctx, Proposal(w.call.ID), w.coordinator), kakehashi.EFORBIDDEN)

	bad := Proposal(w.call.ID)
	bad.TRL, bad.BudgetRequested, bad.Summary = 8, 60_000_000, ""
	err := w.db.CreateProposal(ctx, bad, w.requester)
	wantCode(t, err, kakehashi.EINVALID)
	seed := mustListing(t, w.db, Listing(w.ownerOrg.ID, "related"))
	p := Proposal(w.call.ID)
	p.RelatedListings = []int64{seed.ID}
	if err := w.db.CreateProposal(ctx, p, w.requester); err != nil {
		t.Fatal(err)
	}
	if p.Status != kakehashi.ProposalDraft || p.OrgID != w.otherOrg.ID || p.ProposerID != w.requester.ID {
		t.Fatalf("draft %+v", p)
	}
	wantCode(t, w.db.CreateProposal(ctx, Proposal(w.call.ID), w.requester), kakehashi.ECONFLICT)
	// The owner does not see drafts; the proposing side edits them.
	if list, _ := w.db.Proposals(ctx, kakehashi.ProposalFilter{CallID: w.call.ID}); len(list) != 0 {
		t.Fatalf("the owner's list shows %d drafts", len(list))
	}
	p.Team = "Three professors."
	wantCode(t, w.db.UpdateProposal(ctx, p, w.owner), kakehashi.ENOTFOUND)
	if err := w.db.UpdateProposal(ctx, p, w.requester); err != nil {
		t.Fatal(err)
	}
	// One second after the deadline, nothing is submitted or changed.
	w.clock.t = w.call.Deadline.Add(time.Second)
	_, err = w.db.SubmitProposal(ctx, p.ID, w.requester)
	wantCode(t, err, kakehashi.ECONFLICT)
	if msg := kakehashi.ErrorMessage(err); !strings.Contains(msg, "closed") || !strings.Contains(msg, "2027-04-01 02:00") || !strings.Contains(msg, "Asia/Tokyo") {
		t.Fatalf("deadline refusal %q does not say when the call closed in its zone", msg)
	}
	wantCode(t, w.db.UpdateProposal(ctx, p, w.requester), kakehashi.ECONFLICT)
	wantCode(t, w.db.CreateProposal(ctx, Proposal(w.call.ID), w.outsid), kakehashi.ECONFLICT)
	// Exactly at the deadline it is still open.
	w.clock.t = w.call.Deadline
	got, err := w.db.SubmitProposal(ctx, p.ID, w.requester)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != kakehashi.ProposalSubmitted || got.SubmittedAt == nil {
		t.Fatalf("submitted %+v", got)
	}
	_, err = w.db.SubmitProposal(ctx, p.ID, w.requester)
	wantCode(t, err, kakehashi.ECONFLICT)
	if k := inbox(t, w.db, w.owner); !slices.Contains(k, "proposal") {
		t.Fatalf("owner inbox %v lacks the new proposal", k)
	}
}

func testProposalReviewRankAdopt(t *testing.T, newDSN NewDSN) {
	w := newCallWorld(t, newDSN)
	ctx := context.Background()
	jpOrg := mustOrg(t, w.db, "jp-uni", "JP")
	jp := &kakehashi.User{Email: "jp@example.jp", Name: "JP", OrgID: jpOrg.ID, OrgRole: kakehashi.RoleMember}
	if err := w.db.CreateUser(ctx, jp, admin()); err != nil {
		t.Fatal(err)
	}
	a := w.submitted(t, w.requester)
	b := w.submitted(t, jp)

	// Scoring waits for the review stage and an assignment.
	review := func(p *kakehashi.Proposal, feas, impact int) *kakehashi.Review {
		return &kakehashi.Review{ProposalID: p.ID, Scores: []kakehashi.Score{
			{Criterion: "Feasibility", Score: feas, Comment: "Solid plan."}, {Criterion: "Impact", Score: impact, Comment: "Useful."}}}
	}
	wantCode(t, w.db.AssignReviewer(ctx, a.ID, w.outsid.ID, w.requester), kakehashi.EFORBIDDEN)
	wantCode(t, w.db.AssignReviewer(ctx, a.ID, w.requester.ID, w.owner), kakehashi.EINVALID)
	for _, p := range []*kakehashi.Proposal{a, b} {
		for _, u := range []*kakehashi.User{w.outsid, w.coordinator} {
			if err := w.db.AssignReviewer(ctx, p.ID, u.ID, w.owner); err != nil {
				t.Fatal(err)
			}
		}
	}
	if k := inbox(t, w.db, w.outsid); !slices.Contains(k, "reviewer") {
		t.Fatalf("reviewer inbox %v", k)
	}
	wantCode(t, w.db.PutReview(ctx, review(a, 5, 5), w.outsid), kakehashi.ECONFLICT)
	// Skipping a stage is refused; the proposer cannot move its own.
	_, err := w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalReview}, w.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
	_, err = w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalScreening}, w.requester)
	wantCode(t, err, kakehashi.EFORBIDDEN)
	for _, p := range []*kakehashi.Proposal{a, b} {
		for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview} {
			if _, err := w.db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: to}, w.owner); err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
		}
	}
	wantCode(t, w.db.PutReview(ctx, review(a, 5, 5), w.owner), kakehashi.EFORBIDDEN)
	wantCode(t, w.db.PutReview(ctx, review(a, 11, 5), w.outsid), kakehashi.EINVALID)
	wantCode(t, w.db.PutReview(ctx, &kakehashi.Review{ProposalID: a.ID, Scores: review(a, 5, 5).Scores[:1]}, w.outsid), kakehashi.EINVALID)
	// a: feasibility (8+6)/2 = 7, impact (2+4)/2 = 3 → (3×7 + 1×3)/4 = 6.
	// b: feasibility 5, impact 10 (one reviewer) → (15 + 10)/4 = 6.25.
	for _, s := range []struct {
		u            *kakehashi.User
		p            *kakehashi.Proposal
		feas, impact int
	}{{w.outsid, a, 1, 1}, {w.outsid, a, 8, 2}, {w.coordinator, a, 6, 4}, {w.outsid, b, 5, 10}} {
		if err := w.db.PutReview(ctx, review(s.p, s.feas, s.impact), s.u); err != nil {
			t.Fatal(err)
		}
	}
	if rs, _ := w.db.Reviews(ctx, a.ID); len(rs) != 2 {
		t.Fatalf("%d reviews of a, want 2 (a second review replaces the first)", len(rs))
	}
	rank, err := w.db.Ranking(ctx, w.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rank) != 2 || rank[0].Proposal.ID != b.ID || math.Abs(rank[0].Score-6.25) > 1e-9 || math.Abs(rank[1].Score-6) > 1e-9 || rank[1].Reviews != 2 {
		t.Fatalf("ranking %+v %+v, want b 6.25 then a 6", rank[0], rank[1])
	}
	// Criteria are fixed once scored.
	c, _ := w.db.Call(ctx, w.call.ID)
	c.Criteria = append(c.Criteria, kakehashi.Criterion{Name: "Cost", Weight: 1})
	wantCode(t, w.db.UpdateCall(ctx, c, w.owner), kakehashi.ECONFLICT)

	// Decisions need feedback; adoption only from finalist.
	_, err = w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalAdopted, Feedback: "Great."}, w.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
	if _, err := w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalFinalist}, w.owner); err != nil {
		t.Fatal(err)
	}
	_, err = w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalAdopted}, w.owner)
	wantCode(t, err, kakehashi.EINVALID)
	adopted, err := w.db.MoveProposal(ctx, a.ID, kakehashi.ProposalMove{To: kakehashi.ProposalAdopted, Feedback: "Strongest feasibility case."}, w.owner)
	if err != nil {
		t.Fatal(err)
	}
	if adopted.Status != kakehashi.ProposalAdopted || adopted.IntroductionID == 0 || adopted.DecidedAt == nil || adopted.Feedback != "Strongest feasibility case." {
		t.Fatalf("adopted %+v", adopted)
	}
	in, err := w.db.Introduction(ctx, adopted.IntroductionID)
	if err != nil {
		t.Fatal(err)
	}
	if in.ListingID != w.call.ListingID || in.RequesterID != w.requester.ID || in.RequesterOrgID != w.otherOrg.ID ||
		in.OwnerOrgID != w.ownerOrg.ID || in.Stage != kakehashi.StageIntroduced {
		t.Fatalf("adoption's introduction %+v", in)
	}
	for _, u := range []*kakehashi.User{w.owner, w.requester} {
		list, _ := w.db.Introductions(ctx, kakehashi.IntroductionFilter{Party: u})
		if !slices.ContainsFunc(list, func(x *kakehashi.Introduction) bool { return x.ID == in.ID }) {
			t.Errorf("%s does not see the adoption's introduction", u.Email)
		}
	}
	if ev, _ := w.db.StageEvents(ctx, in.ID); len(ev) != 2 || ev[1].To != kakehashi.StageIntroduced {
		t.Fatalf("stage events %+v", ev)
	}
	rejected, err := w.db.MoveProposal(ctx, b.ID, kakehashi.ProposalMove{To: kakehashi.ProposalRejected, Feedback: "Impact case unproven at scale."}, w.owner)
	if err != nil || rejected.Status != kakehashi.ProposalRejected || rejected.IntroductionID != 0 {
		t.Fatalf("rejected %+v, %v", rejected, err)
	}
	_, err = w.db.MoveProposal(ctx, b.ID, kakehashi.ProposalMove{To: kakehashi.ProposalFinalist}, w.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
	// Every proposer hears the decision with its feedback, in the inbox and by e-mail.
	for _, s := range []struct {
		u        *kakehashi.User
		feedback string
	}{{w.requester, "Strongest feasibility case."}, {jp, "Impact case unproven at scale."}} {
		ns, _ := w.db.Notifications(ctx, s.u.ID, false, 100)
		if !slices.ContainsFunc(ns, func(n *kakehashi.Notification) bool {
			return n.Kind == "decision" && strings.Contains(n.Subject, s.feedback)
		}) {
			t.Errorf("%s has no decision with its feedback: %+v", s.u.Email, ns)
		}
		var mails int
		if err := w.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND recipient = $1 AND event = 'notification.decision'`,
			s.u.Email).Scan(&mails); err != nil || mails != 1 {
			t.Errorf("%s: %d decision e-mails queued (%v), want 1", s.u.Email, mails, err)
		}
	}
	stats, err := w.db.CallStats(ctx, w.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Proposals != 2 || stats.ByCountry["GB"] != 1 || stats.ByCountry["JP"] != 1 || stats.ByKind["university"] != 2 || stats.ByStatus["adopted"] != 1 {
		t.Fatalf("stats %+v", stats)
	}
}
