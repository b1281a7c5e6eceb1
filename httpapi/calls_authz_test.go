package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// call stores a call of the owner organization, open to anyone until 2099.
func (e *testEnv) call() *kakehashi.Call {
	e.t.Helper()
	c := storetest.Call(e.own.ID, time.Date(2099, 3, 31, 8, 0, 0, 0, time.UTC))
	c.EligibleKinds, c.EligibleCountries = nil, nil
	c.Theme = fmt.Sprintf("Matrix call %d", e.next())
	if err := e.db.CreateCall(context.Background(), c, system); err != nil {
		e.t.Fatalf("create call: %v", err)
	}
	return c
}

// proposal stores a proposal of the third organization to a new call of the
// owner organization, moved on to status (draft, submitted or later), with
// the given reviewers assigned once submitted.
func (e *testEnv) proposal(status kakehashi.ProposalStatus, reviewers ...int64) (*kakehashi.Call, *kakehashi.Proposal) {
	e.t.Helper()
	ctx := context.Background()
	c := e.call()
	p := storetest.Proposal(c.ID)
	if err := e.db.CreateProposal(ctx, p, e.third); err != nil {
		e.t.Fatalf("create proposal: %v", err)
	}
	if status == kakehashi.ProposalDraft {
		return c, p
	}
	if _, err := e.db.SubmitProposal(ctx, p.ID, e.third); err != nil {
		e.t.Fatalf("submit proposal: %v", err)
	}
	for _, r := range reviewers {
		if err := e.db.AssignReviewer(ctx, p.ID, r, system); err != nil {
			e.t.Fatalf("assign reviewer: %v", err)
		}
	}
	for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview, kakehashi.ProposalFinalist} {
		if slices.Index(kakehashi.ProposalStatuses, to) > slices.Index(kakehashi.ProposalStatuses, status) {
			break
		}
		moved, err := e.db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: to}, system)
		if err != nil {
			e.t.Fatalf("move proposal to %s: %v", to, err)
		}
		p = moved
	}
	return c, p
}

// ownerSide is the want of operations of the call's organization and staff.
func ownerSide(ok int) func(cell) int { return byActor(s401, s403, ok, ok, ok, ok) }

// proposalWant is the want of owner operations on a submitted proposal of a
// third organization: otherMember is no party and learns nothing.
func proposalWant(ok int) func(cell) int { return byActor(s401, s404, ok, ok, ok, ok) }

var callJSON = map[string]any{"theme": "Matrix call", "language": "en", "deadline": "2099-03-31T17:00:00+09:00", "time_zone": "Asia/Tokyo",
	"currency": "JPY", "budget": 1000000, "trl_min": 2, "trl_max": 7, "criteria": []map[string]any{{"name": "Impact", "weight": 1}}}

var proposalJSON = map[string]any{"summary": "We answer it.", "approach": "In two steps.", "trl": 4, "team": "Four people.", "budget_requested": 1000}

// callAuthzCases are the authorization matrix rows of the challenge-call routes.
func callAuthzCases() []authzCase {
	return []authzCase{
		{op: "POST /calls", want: byActor(s401, s403, s201, s201, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			theme := fmt.Sprintf("Matrix call %s %s %d", c.actor, c.vis, e.next())
			body := map[string]any{"org_id": e.own.ID}
			for k, v := range callJSON {
				body[k] = v
			}
			body["theme"] = theme
			r := e.do("POST", "/calls", body, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM calls WHERE theme = $1`, theme); n != want {
					e.t.Errorf("%d calls stored after status %d", n, r.status)
				}
				if n := e.count(`SELECT COUNT(*) FROM listings WHERE title = $1 AND kind = 'challenge'`, theme); n != want {
					e.t.Errorf("%d call listings stored after status %d", n, r.status)
				}
			}
		}},
		{op: "GET /calls", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call := e.call()
			r := e.do("GET", "/calls?limit=200&open=true", nil, e.as(c.actor))
			return r, func() {
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				if !slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == call.ID && m["open"] == true }) {
					e.t.Errorf("open call %d not listed", call.ID)
				}
			}
		}},
		{op: "GET /calls/{id}", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call := e.call()
			r := e.do("GET", fmt.Sprintf("/calls/%d", call.ID), nil, e.as(c.actor))
			return r, func() {
				if m := r.obj(e.t); id(m, "id") != call.ID || id(m, "listing_id") != call.ListingID {
					e.t.Errorf("got call %v", m)
				}
			}
		}},
		{op: "PATCH /calls/{id}", want: ownerSide(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call := e.call()
			r := e.do("PATCH", fmt.Sprintf("/calls/%d", call.ID), map[string]any{"theme": "changed theme"}, e.as(c.actor))
			return r, func() {
				stored, _ := e.db.Call(context.Background(), call.ID)
				if changed := stored.Theme == "changed theme"; changed != (r.status == s200) {
					e.t.Errorf("stored theme %q after status %d", stored.Theme, r.status)
				}
			}
		}},
		{op: "GET /calls/{id}/matches", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call := e.call()
			e.index()
			r := e.do("GET", fmt.Sprintf("/calls/%d/matches", call.ID), nil, e.as(c.actor))
			return r, func() {
				var m struct{ Listing map[string]any }
				r.decode(e.t, &m)
				if id(m.Listing, "id") != call.ListingID {
					e.t.Errorf("matched listing %v, want the call's %d", m.Listing["id"], call.ListingID)
				}
			}
		}},
		{op: "GET /calls/{id}/stats", want: ownerSide(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call, _ := e.proposal(kakehashi.ProposalSubmitted)
			r := e.do("GET", fmt.Sprintf("/calls/%d/stats", call.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					if m := r.obj(e.t); m["proposals"] != float64(1) {
						e.t.Errorf("stats %v, want 1 proposal", m)
					}
				}
			}
		}},
		{op: "GET /calls/{id}/ranking", want: ownerSide(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call, _ := e.proposal(kakehashi.ProposalSubmitted)
			return e.do("GET", fmt.Sprintf("/calls/%d/ranking", call.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /calls/{id}/proposals", want: byActor(s401, s201, s403, s403, s403, s403), run: func(e *testEnv, c cell) (*response, func()) {
			call := e.call()
			r := e.do("POST", fmt.Sprintf("/calls/%d/proposals", call.ID), proposalJSON, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM proposals WHERE call_id = $1`, call.ID); n != want {
					e.t.Errorf("%d proposals stored after status %d", n, r.status)
				}
			}
		}},
		{op: "GET /calls/{id}/proposals", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			call, p := e.proposal(kakehashi.ProposalSubmitted)
			r := e.do("GET", fmt.Sprintf("/calls/%d/proposals", call.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var pg struct{ Items []map[string]any }
				r.decode(e.t, &pg)
				found := slices.ContainsFunc(pg.Items, func(m map[string]any) bool { return id(m, "id") == p.ID })
				if want := c.actor != otherMember; found != want {
					e.t.Errorf("proposal %d listed: %v, want %v", p.ID, found, want)
				}
			}
		}},
		{op: "GET /proposals", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			reviewer := e.actors[otherMember].user.ID
			_, p := e.proposal(kakehashi.ProposalSubmitted, reviewer)
			r := e.do("GET", "/proposals?reviewing=true", nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []map[string]any
				r.decode(e.t, &list)
				found := slices.ContainsFunc(list, func(m map[string]any) bool { return id(m, "id") == p.ID })
				if want := c.actor == otherMember; found != want {
					e.t.Errorf("proposal %d in the review queue: %v, want %v", p.ID, found, want)
				}
			}
		}},
		{op: "GET /proposals/{id}", want: proposalWant(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalSubmitted)
			r := e.do("GET", fmt.Sprintf("/proposals/%d", p.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "proposal", p.ID)
				}
			}
		}},
		{op: "PATCH /proposals/{id}", note: "a draft", want: byActor(s401, s404, s404, s404, s403, s403), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalDraft)
			r := e.do("PATCH", fmt.Sprintf("/proposals/%d", p.ID), map[string]any{"team": "changed"}, e.as(c.actor))
			return r, func() {
				stored, _ := e.db.Proposal(context.Background(), p.ID)
				if stored.Team == "changed" {
					e.t.Errorf("a refused change was stored")
				}
			}
		}},
		{op: "POST /proposals/{id}/submit", note: "a draft", want: byActor(s401, s404, s404, s404, s403, s403), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalDraft)
			r := e.do("POST", fmt.Sprintf("/proposals/%d/submit", p.ID), nil, e.as(c.actor))
			return r, func() {
				if stored, _ := e.db.Proposal(context.Background(), p.ID); stored.Status != kakehashi.ProposalDraft {
					e.t.Errorf("status %s after a refused submission", stored.Status)
				}
			}
		}},
		{op: "POST /proposals/{id}/stage", want: proposalWant(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalSubmitted)
			r := e.do("POST", fmt.Sprintf("/proposals/%d/stage", p.ID), map[string]any{"to": "screening"}, e.as(c.actor))
			return r, func() {
				stored, _ := e.db.Proposal(context.Background(), p.ID)
				if moved := stored.Status == kakehashi.ProposalScreening; moved != (r.status == s200) {
					e.t.Errorf("status %s after %d", stored.Status, r.status)
				}
			}
		}},
		{op: "POST /proposals/{id}/reviewers", want: proposalWant(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalSubmitted)
			r := e.do("POST", fmt.Sprintf("/proposals/%d/reviewers", p.ID), map[string]any{"user_id": e.target.ID}, e.as(c.actor))
			return r, func() {
				rs, _ := e.db.Reviewers(context.Background(), p.ID)
				if assigned := slices.Contains(rs, e.target.ID); assigned != (r.status == s200) {
					e.t.Errorf("reviewers %v after status %d", rs, r.status)
				}
			}
		}},
		{op: "PUT /proposals/{id}/review", note: "other-member reviews", want: byActor(s401, s200, s403, s403, s403, s403), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalReview, e.actors[otherMember].user.ID)
			r := e.do("PUT", fmt.Sprintf("/proposals/%d/review", p.ID), map[string]any{"scores": []map[string]any{
				{"criterion": "Feasibility", "score": 7, "comment": "Plausible."}, {"criterion": "Impact", "score": 5, "comment": "Moderate."}}}, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s200 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM proposal_reviews WHERE proposal_id = $1`, p.ID); n != want {
					e.t.Errorf("%d reviews stored after status %d", n, r.status)
				}
			}
		}},
		{op: "GET /proposals/{id}/reviews", want: proposalWant(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, p := e.proposal(kakehashi.ProposalReview)
			return e.do("GET", fmt.Sprintf("/proposals/%d/reviews", p.ID), nil, e.as(c.actor)), nil
		}},
	}
}
