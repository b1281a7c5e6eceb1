package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// researcher stores a profile at org for user (0: none), linked to seeds.
func (e *testEnv) researcher(org, user int64, seeds ...int64) *kakehashi.Researcher {
	e.t.Helper()
	// A user has one profile: free the account for this row's new one.
	if user != 0 {
		if _, err := e.db.SQL().Exec(`UPDATE researchers SET user_id = NULL WHERE user_id = $1`, user); err != nil {
			e.t.Fatal(err)
		}
	}
	r := storetest.Researcher(org, fmt.Sprintf("Matrix researcher %d", e.next()))
	r.UserID, r.ListingIDs = user, seeds
	if err := e.db.CreateResearcher(context.Background(), r, system); err != nil {
		e.t.Fatalf("create researcher: %v", err)
	}
	return r
}

// seesLinks says whether caller a sees the link between a researcher and a
// seed of the owner organization with visibility v: whoever sees the seed
// in full.
func seesLinks(a actorID, v kakehashi.Visibility) bool {
	switch v {
	case kakehashi.VisibilityPublic:
		return true
	case kakehashi.VisibilityMembers:
		return a != anonymous
	}
	return a == ownerMember || a == ownerAdmin || a == coordinator || a == admin
}

// researcherAuthzCases are the matrix rows of researcher profiles and
// expert finding.
func researcherAuthzCases() []authzCase {
	return []authzCase{
		{op: "GET /researchers", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.researcher(e.own.ID, 0, c.l.ID)
			resp := e.do("GET", fmt.Sprintf("/researchers?org_id=%d&limit=200", e.own.ID), nil, e.as(c.actor))
			return resp, func() {
				var page struct {
					Items []struct {
						ID         int64   `json:"id"`
						ListingIDs []int64 `json:"listing_ids"`
					}
				}
				resp.decode(e.t, &page)
				i := slices.IndexFunc(page.Items, func(x struct {
					ID         int64   `json:"id"`
					ListingIDs []int64 `json:"listing_ids"`
				}) bool {
					return x.ID == r.ID
				})
				if i < 0 {
					e.t.Fatalf("researcher %d not listed", r.ID)
				}
				if got, want := slices.Contains(page.Items[i].ListingIDs, c.l.ID), seesLinks(c.actor, c.vis); got != want {
					e.t.Errorf("%s sees the link to a %s seed: %v, want %v", c.actor, c.vis, got, want)
				}
			}
		}},
		{op: "GET /researchers/{id}", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.researcher(e.own.ID, 0, c.l.ID)
			resp := e.do("GET", fmt.Sprintf("/researchers/%d", r.ID), nil, e.as(c.actor))
			return resp, func() {
				var got kakehashi.Researcher
				resp.decode(e.t, &got)
				if got.Name != r.Name || slices.Contains(got.ListingIDs, c.l.ID) != seesLinks(c.actor, c.vis) {
					e.t.Errorf("%s: %+v", c.actor, got)
				}
			}
		}},
		{op: "GET /researchers/{id}", note: "missing", want: all(s404), run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/researchers/999999", nil, e.as(c.actor)), nil
		}},
		{op: "POST /researchers", want: byActor(s401, s403, s201, s201, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			body := map[string]any{"org_id": e.own.ID, "name": fmt.Sprintf("New researcher %d", e.next()), "career_stage": "early_career",
				"keywords": []string{"perovskite"}, "fields": []string{"2.5"}, "languages": []string{"en"}}
			if u := e.userOf(c.actor); u != nil && u.OrgRole == kakehashi.RoleMember {
				// Members may create only their own profile; otherMember
				// tries to create theirs at the owner organization.
				if _, err := e.db.SQL().Exec(`UPDATE researchers SET user_id = NULL WHERE user_id = $1`, u.ID); err != nil {
					e.t.Fatal(err)
				}
				body["user_id"] = u.ID
			}
			return e.do("POST", "/researchers", body, e.as(c.actor)), nil
		}},
		{op: "POST /researchers", note: "invalid ORCID", want: byActor(s401, s422, s422, s422, s422, s422), run: func(e *testEnv, c cell) (*response, func()) {
			body := map[string]any{"org_id": e.other.ID, "name": "Bad ORCID", "orcid": "0000-0002-1825-0098"}
			if u := e.userOf(c.actor); u != nil {
				body["org_id"], body["user_id"] = u.OrgID, u.ID
				if u.OrgID == 0 {
					delete(body, "org_id")
				}
			}
			r := e.do("POST", "/researchers", body, e.as(c.actor))
			return r, func() {
				if c.actor != anonymous {
					p := r.wantProblem(e.t, s422, "body.orcid")
					if !strings.Contains(fmt.Sprint(p.Errors), "check digit") {
						e.t.Errorf("ORCID problem does not name the check digit: %s", r.body)
					}
				}
			}
		}},
		{op: "PATCH /researchers/{id}", want: byActor(s401, s403, s403, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.researcher(e.own.ID, e.target.ID)
			return e.do("PATCH", fmt.Sprintf("/researchers/%d", r.ID), map[string]any{"position": "Professor"}, e.as(c.actor)), nil
		}},
		{op: "PATCH /researchers/{id}", note: "own profile", want: byActor(s401, s200, s200, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			owner := e.target
			if u := e.userOf(c.actor); u != nil {
				owner = u
			}
			r := e.researcher(owner.OrgID, owner.ID)
			return e.do("PATCH", fmt.Sprintf("/researchers/%d", r.ID), map[string]any{"career_stage": "mid_career"}, e.as(c.actor)), nil
		}},
		{op: "PATCH /researchers/{id}", note: "link a seed", want: func(c cell) int {
			switch {
			case c.actor == anonymous:
				return s401
			case c.actor == otherMember || c.actor == ownerMember:
				return s403 // not their profile
			}
			return s200
		}, run: func(e *testEnv, c cell) (*response, func()) {
			r := e.researcher(e.own.ID, e.target.ID)
			return e.do("PATCH", fmt.Sprintf("/researchers/%d", r.ID), map[string]any{"listing_ids": []int64{c.l.ID}}, e.as(c.actor)), nil
		}},
		{op: "GET /listings/{id}/experts", want: func(c cell) int {
			if c.actor == anonymous && c.vis != kakehashi.VisibilityPublic {
				return s404
			}
			return s200
		}, run: func(e *testEnv, c cell) (*response, func()) {
			need := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen, func(l *kakehashi.Listing) {
				l.Side, l.Kind, l.IP = kakehashi.SideNeed, kakehashi.KindChallenge, kakehashi.IP{Status: kakehashi.IPNone}
			})
			e.researcher(e.own.ID, 0)
			e.index()
			r := e.do("GET", fmt.Sprintf("/listings/%d/experts?career_stage=early_career", need.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					notFound(e.t, r, "listing", need.ID)
					return
				}
				var m struct {
					Listing map[string]any
					Experts []struct{ Researcher kakehashi.Researcher }
				}
				r.decode(e.t, &m)
				checkRedaction(e.t, m.Listing, need, c.actor == otherMember && c.vis == kakehashi.VisibilityConfidential)
				if len(m.Experts) == 0 {
					e.t.Errorf("no experts for a solid-electrolyte need: %.1500s", r.body)
				}
				for _, x := range m.Experts {
					if x.Researcher.Career != kakehashi.CareerEarly {
						e.t.Errorf("career filter let %+v through", x.Researcher)
					}
				}
			}
		}},
		{op: "GET /listings/{id}/experts", note: "seed", want: func(c cell) int {
			if c.actor == anonymous && c.vis != kakehashi.VisibilityPublic {
				return s404
			}
			return s422
		}, run: func(e *testEnv, c cell) (*response, func()) {
			e.index()
			return e.do("GET", fmt.Sprintf("/listings/%d/experts", c.l.ID), nil, e.as(c.actor)), nil
		}},
	}
}
