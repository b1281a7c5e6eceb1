package httpapi_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// consortium stores a consortium led by the owner organization: public for
// the public cell, private for the others, so that the visibility
// dimension of the matrix tells the two apart.
func (e *testEnv) consortium(vis kakehashi.Visibility) *kakehashi.Consortium {
	e.t.Helper()
	c := storetest.Consortium(e.own.ID)
	c.Title = fmt.Sprintf("Matrix consortium %d", e.next())
	c.Public = vis == kakehashi.VisibilityPublic
	if err := e.db.CreateConsortium(context.Background(), c, system); err != nil {
		e.t.Fatalf("create consortium: %v", err)
	}
	return c
}

// funder stores a funder organization and one funding call of it, open
// until 2099.
func (e *testEnv) fundingCall() *kakehashi.FundingCall {
	e.t.Helper()
	ctx := context.Background()
	o := storetest.Org(fmt.Sprintf("funder-%d", e.next()), "JP")
	o.Kind = kakehashi.OrgFunder
	if err := e.db.CreateOrganization(ctx, o, system); err != nil {
		e.t.Fatal(err)
	}
	f := storetest.FundingCall(o.ID, time.Date(2099, 3, 31, 8, 0, 0, 0, time.UTC))
	if err := e.db.CreateFundingCall(ctx, f, system); err != nil {
		e.t.Fatalf("create funding call: %v", err)
	}
	return f
}

// consortiumSeen is the want of reading a consortium: anyone when it is
// public, its members (the owner side) and staff when it is not.
func consortiumSeen(c cell) int {
	if c.vis == kakehashi.VisibilityPublic {
		return s200
	}
	return byActor(s404, s404, s200, s200, s200, s200)(c)
}

// consortiumManaged is the want of the lead's operations: its admins and
// staff; others who may see the consortium get 403, those who may not 404.
func consortiumManaged(ok int) func(cell) int {
	return func(c cell) int {
		other := s404
		if c.vis == kakehashi.VisibilityPublic {
			other = s403
		}
		return byActor(s401, other, s403, ok, ok, ok)(c)
	}
}

var consortiumJSON = map[string]any{"title": "Matrix consortium", "description": "Joint research.", "start": "2027-04-01", "end": "2030-03-31", "public": true}

var taskJSON = map[string]any{"title": "Work package 1", "start": "2027-05-01", "due": "2027-12-31"}

// consortiumAuthzCases are the matrix rows of consortia and funding calls.
func consortiumAuthzCases() []authzCase {
	return []authzCase{
		{op: "POST /consortia", want: byActor(s401, s403, s403, s201, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			body := map[string]any{"lead_org_id": e.own.ID}
			for k, v := range consortiumJSON {
				body[k] = v
			}
			r := e.do("POST", "/consortia", body, e.as(c.actor))
			return r, func() {
				if r.status == s201 {
					m := r.obj(e.t)
					if id(m, "lead_org_id") != e.own.ID || len(m["members"].([]any)) != 1 {
						e.t.Errorf("created consortium: %v", m)
					}
				}
			}
		}},
		{op: "GET /consortia", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			r := e.do("GET", "/consortia?limit=200", nil, e.as(c.actor))
			return r, func() {
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				listed := false
				for _, m := range p.Items {
					listed = listed || id(m, "id") == co.ID
				}
				if want := consortiumSeen(c) == s200; listed != want {
					e.t.Errorf("consortium %d listed = %v, want %v", co.ID, listed, want)
				}
			}
		}},
		{op: "GET /consortia/{id}", want: consortiumSeen, run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("GET", fmt.Sprintf("/consortia/%d", co.ID), nil, e.as(c.actor)), nil
		}},
		{op: "PATCH /consortia/{id}", want: consortiumManaged(s200), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("PATCH", fmt.Sprintf("/consortia/%d", co.ID), map[string]any{"title_ja": "変更"}, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/members", want: consortiumManaged(s201), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("POST", fmt.Sprintf("/consortia/%d/members", co.ID), map[string]any{"org_id": e.other.ID}, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/requests", want: func(c cell) int {
			// For the other organization: only staff may ask on its behalf
			// (its admins would; otherMember is a plain member).
			other := s404
			if c.vis == kakehashi.VisibilityPublic {
				other = s403
			}
			return byActor(s401, other, s403, s403, s201, s201)(c)
		}, run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("POST", fmt.Sprintf("/consortia/%d/requests", co.ID), map[string]any{"org_id": e.other.ID, "role": "observer"}, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/requests/{org}/approve", want: consortiumManaged(s200), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.pendingRequest(c.vis)
			return e.do("POST", fmt.Sprintf("/consortia/%d/requests/%d/approve", co.ID, e.other.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/requests/{org}/decline", want: consortiumManaged(s200), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.pendingRequest(c.vis)
			return e.do("POST", fmt.Sprintf("/consortia/%d/requests/%d/decline", co.ID, e.other.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/tasks", want: consortiumManaged(s201), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			body := map[string]any{"owner_org_id": e.own.ID}
			for k, v := range taskJSON {
				body[k] = v
			}
			return e.do("POST", fmt.Sprintf("/consortia/%d/tasks", co.ID), body, e.as(c.actor)), nil
		}},
		{op: "PATCH /consortia/{id}/tasks/{task}", want: consortiumManaged(s200), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			t := &kakehashi.Task{ConsortiumID: co.ID, Title: "WP", OwnerOrgID: e.own.ID, Start: co.Start, Due: co.End}
			if err := e.db.CreateTask(context.Background(), t, system); err != nil {
				e.t.Fatal(err)
			}
			return e.do("PATCH", fmt.Sprintf("/consortia/%d/tasks/%d", co.ID, t.ID), map[string]any{"status": "active"}, e.as(c.actor)), nil
		}},
		{op: "POST /consortia/{id}/listings", want: consortiumManaged(s201), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("POST", fmt.Sprintf("/consortia/%d/listings", co.ID), map[string]any{"listing_id": c.l.ID}, e.as(c.actor)), nil
		}},
		{op: "DELETE /consortia/{id}/listings/{listing}", want: consortiumManaged(s204), run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			if err := e.db.ShareListing(context.Background(), co.ID, c.l.ID, system); err != nil {
				e.t.Fatal(err)
			}
			return e.do("DELETE", fmt.Sprintf("/consortia/%d/listings/%d", co.ID, c.l.ID), nil, e.as(c.actor)), nil
		}},
		{op: "GET /consortia/{id}/funding", want: consortiumSeen, run: func(e *testEnv, c cell) (*response, func()) {
			co := e.consortium(c.vis)
			return e.do("GET", fmt.Sprintf("/consortia/%d/funding", co.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /funding-calls", want: staffOnlyStatus(s201), run: func(e *testEnv, c cell) (*response, func()) {
			f := e.fundingCall()
			body := map[string]any{"org_id": f.OrgID, "programme": "Matrix grant", "description": "Grants.", "amount_max": 1000, "currency": "JPY",
				"deadline": "2099-01-31T17:00:00+09:00"}
			return e.do("POST", "/funding-calls", body, e.as(c.actor)), nil
		}},
		{op: "GET /funding-calls", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			e.fundingCall()
			return e.do("GET", "/funding-calls?open=true", nil, e.as(c.actor)), nil
		}},
		{op: "GET /funding-calls/{id}", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			f := e.fundingCall()
			return e.do("GET", fmt.Sprintf("/funding-calls/%d", f.ID), nil, e.as(c.actor)), nil
		}},
		{op: "PATCH /funding-calls/{id}", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			f := e.fundingCall()
			return e.do("PATCH", fmt.Sprintf("/funding-calls/%d", f.ID), map[string]any{"matching_required": false}, e.as(c.actor)), nil
		}},
		{op: "DELETE /funding-calls/{id}", want: staffOnlyStatus(s204), run: func(e *testEnv, c cell) (*response, func()) {
			f := e.fundingCall()
			return e.do("DELETE", fmt.Sprintf("/funding-calls/%d", f.ID), nil, e.as(c.actor)), nil
		}},
		{op: "GET /listings/{id}/funding", want: func(c cell) int {
			// As GET /listings/{id}: anyone may see a public listing, members
			// and confidential ones only signed-in callers.
			if c.vis != kakehashi.VisibilityPublic && c.actor == anonymous {
				return s404
			}
			return s200
		}, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", fmt.Sprintf("/listings/%d/funding", c.l.ID), nil, e.as(c.actor)), nil
		}},
		{op: "GET /introductions/{id}/funding", want: introWant, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			return e.do("GET", fmt.Sprintf("/introductions/%d/funding", in.ID), nil, e.as(c.actor)), nil
		}},
	}
}

// staffOnlyStatus is staffOnly with another success status.
func staffOnlyStatus(ok int) func(cell) int { return byActor(s401, s403, s403, s403, ok, ok) }

// pendingRequest stores a consortium of the owner organization that the
// other organization has asked to join.
func (e *testEnv) pendingRequest(vis kakehashi.Visibility) *kakehashi.Consortium {
	e.t.Helper()
	co := e.consortium(vis)
	m := &kakehashi.Membership{ConsortiumID: co.ID, OrgID: e.other.ID, Role: kakehashi.MemberMember}
	if err := e.db.RequestMembership(context.Background(), m, system); err != nil {
		e.t.Fatalf("request membership: %v", err)
	}
	return co
}
