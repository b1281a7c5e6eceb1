package web_test

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/kakehashi/kakehashi"
)

// callForm is a valid posted call themed theme, closing in three months.
func (e *authzEnv) callForm(theme string) url.Values {
	return url.Values{"theme": {theme}, "background": {"Why we ask."}, "language": {"en"}, "time_zone": {"Asia/Tokyo"}, "currency": {"JPY"},
		"deadline_date": {e.days(90)}, "deadline_time": {"17:00"}, "budget": {"1,000,000"}, "trl_min": {"2"}, "trl_max": {"7"},
		"criteria": {"Feasibility: 3\nImpact: 1"}, "org_id": {strconv.FormatInt(e.own.ID, 10)}}
}

var proposalForm = url.Values{"summary": {"We answer it."}, "approach": {"In two steps."}, "team": {"Four people."}, "trl": {"4"},
	"budget_requested": {"1000"}, "action": {"submit"}}

// draftProposalWant is the want of a third organization's draft proposal:
// its organization's alone, staff who see it may not change it.
func draftProposalWant(ok int) func(cell) int { return byActor(toLogin, s404, s404, s404, ok, ok) }

// callPageCases are the rows of challenge calls and proposals.
func callPageCases() []pageCase {
	return []pageCase{
		{route: "GET /calls", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/calls", nil, c.actor)
			return p, func() {
				if !p.has(e.call.Theme) {
					e.t.Errorf("the open call is not listed")
				}
			}
		}},
		{route: "GET /calls/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/calls/new", nil, c.actor), nil
		}},
		{route: "POST /calls/new", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			theme := "Posted call " + e.marker("c")
			p := e.do("POST", "/calls/new", e.callForm(theme), c.actor)
			return p, func() {
				// Members post for their own organization; staff for the
				// one they choose.
				org := e.own.ID
				if c.actor == otherMember {
					org = e.other.ID
				}
				e.wantCount(one(p.wrote()), "calls stored", `SELECT COUNT(*) FROM calls WHERE theme = $1 AND org_id = $2`, theme, org)
			}
		}},
		{route: "GET /calls/{id}", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/calls/%d", e.call.ID), nil, c.actor)
			return p, func() {
				// The ranking of proposals is the call's organization's.
				if ranked := p.has(quoted("/proposals/%d", e.proposal.ID)); ranked != ownerSideOrStaff(c.actor) {
					e.t.Errorf("the submitted proposal ranked on the call's page: %v", ranked)
				}
			}
		}},
		{route: "GET /calls/{id}/edit", want: ownerSide(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/calls/%d/edit", e.call.ID), nil, c.actor), nil
		}},
		{route: "POST /calls/{id}/edit", want: ownerSide(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			call := e.newCall(e.now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second))
			theme := "Changed call " + e.marker("c")
			p := e.do("POST", idPath("/calls/%d/edit", call.ID), e.callForm(theme), c.actor)
			return p, func() {
				stored, err := e.db.Call(context.Background(), call.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := stored.Theme == theme; changed != (p.wrote()) {
					e.t.Errorf("stored theme %q after status %d", stored.Theme, p.status)
				}
			}
		}},
		{route: "GET /calls/{id}/propose", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/calls/%d/propose", e.call.ID), nil, c.actor), nil
		}},
		{route: "POST /calls/{id}/propose", want: byActor(toLogin, s303, s403, s403, s403, s403), run: func(e *authzEnv, c cell) (*answer, func()) {
			// The call's own organization does not answer it; staff
			// propose for no organization.
			call := e.newCall(e.now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second))
			p := e.do("POST", idPath("/calls/%d/propose", call.ID), proposalForm, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "proposals stored", `SELECT COUNT(*) FROM proposals WHERE call_id = $1`, call.ID)
			}
		}},
		{route: "GET /proposals/{id}", want: partiesOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/proposals/%d", e.proposal.ID), nil, c.actor)
			return p, func() {
				if p.status == s200 && !p.has(e.proposal.Summary) {
					e.t.Errorf("the proposal's page lacks its summary")
				}
			}
		}},
		{route: "GET /proposals/{id}", note: "a draft", want: draftProposalWant(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/proposals/%d", e.draftProposal.ID), nil, c.actor), nil
		}},
		{route: "GET /proposals/{id}/edit", note: "a draft", want: draftProposalWant(s403), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/proposals/%d/edit", e.draftProposal.ID), nil, c.actor), nil
		}},
		{route: "POST /proposals/{id}/edit", note: "a draft", want: draftProposalWant(s403), run: func(e *authzEnv, c cell) (*answer, func()) {
			prop := e.newProposal(e.newCall(e.now().Add(90*24*time.Hour).UTC().Truncate(time.Second)), false)
			form := url.Values{}
			for k, v := range proposalForm {
				form[k] = v
			}
			form.Set("action", "save")
			form.Set("summary", "Changed by the matrix.")
			p := e.do("POST", idPath("/proposals/%d/edit", prop.ID), form, c.actor)
			return p, func() {
				stored, err := e.db.Proposal(context.Background(), prop.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if stored.Summary != prop.Summary || stored.Status != kakehashi.ProposalDraft {
					e.t.Errorf("a refused change stored summary %q, status %s", stored.Summary, stored.Status)
				}
			}
		}},
		{route: "POST /proposals/{id}/stage", want: partiesOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			prop := e.newProposal(e.newCall(e.now().Add(90*24*time.Hour).UTC().Truncate(time.Second)), true)
			p := e.do("POST", idPath("/proposals/%d/stage", prop.ID), url.Values{"to": {"screening"}, "feedback": {"Thanks."}}, c.actor)
			return p, func() {
				stored, err := e.db.Proposal(context.Background(), prop.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if moved := stored.Status == kakehashi.ProposalScreening; moved != (p.wrote()) {
					e.t.Errorf("status %s after %d", stored.Status, p.status)
				}
			}
		}},
		{route: "POST /proposals/{id}/reviewers", want: partiesOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			prop := e.newProposal(e.newCall(e.now().Add(90*24*time.Hour).UTC().Truncate(time.Second)), true)
			reviewer := e.user("Rey Reviewer", e.other.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "")
			p := e.do("POST", idPath("/proposals/%d/reviewers", prop.ID), url.Values{"email": {reviewer.Email}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "reviewers assigned", `SELECT COUNT(*) FROM proposal_reviewers WHERE proposal_id = $1`, prop.ID)
			}
		}},
		{route: "POST /proposals/{id}/review", note: "other-member reviews", want: byActor(toLogin, s303, s403, s403, s403, s403), run: func(e *authzEnv, c cell) (*answer, func()) {
			ctx := context.Background()
			prop := e.newProposal(e.newCall(e.now().Add(90*24*time.Hour).UTC().Truncate(time.Second)), true)
			if err := e.db.AssignReviewer(ctx, prop.ID, e.actors[otherMember].user.ID, system); err != nil {
				e.t.Fatal(err)
			}
			for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview} {
				if _, err := e.db.MoveProposal(ctx, prop.ID, kakehashi.ProposalMove{To: to}, system); err != nil {
					e.t.Fatal(err)
				}
			}
			form := url.Values{"score_0": {"7"}, "comment_0": {"Feasible."}, "score_1": {"5"}, "comment_1": {"Some impact."}}
			p := e.do("POST", idPath("/proposals/%d/review", prop.ID), form, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "reviews stored", `SELECT COUNT(*) FROM proposal_reviews WHERE proposal_id = $1`, prop.ID)
			}
		}},
	}
}
