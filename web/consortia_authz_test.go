package web_test

import (
	"context"
	"net/url"
	"time"

	"github.com/kakehashi/kakehashi"
)

// consortiumForm is a valid posted consortium titled title.
func (e *authzEnv) consortiumForm(title string) url.Values {
	return url.Values{"title": {title}, "description": {"Joint research."}, "start": {e.days(30)}, "end": {e.days(800)}, "public": {"1"},
		"lead_org_id": {id64(e.own.ID)}, "org_id": {id64(e.own.ID)}}
}

// consortiumSeen is the want of reading a consortium: anyone when it is
// public, its members (the owner side) and staff when it is not.
func consortiumSeen(public bool) func(cell) int {
	if public {
		return all(s200)
	}
	return byActor(s404, s404, s200, s200, s200, s200)
}

// consortiumManaged is the want of the lead's operations: its admins and
// staff; others who may see the consortium are refused, those who may not
// learn nothing.
func consortiumManaged(public bool, ok int) func(cell) int {
	other := s404
	if public {
		other = s403
	}
	return byActor(toLogin, other, s403, ok, ok, ok)
}

// visibilities names the two kinds of consortium the rows run on.
var visibilities = []struct {
	note   string
	public bool
}{{"public", true}, {"private", false}}

// consortiumPageCases are the rows of consortia: for each route that is
// about one, a row on a public and a row on a private consortium of own.
func consortiumPageCases() []pageCase {
	cases := []pageCase{
		{route: "GET /consortia", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/consortia", nil, c.actor)
			return p, func() {
				if !p.has(e.consortium.Title) {
					e.t.Errorf("the public consortium is not listed")
				}
				if listed := p.has(e.privateConsortium.Title); listed != ownerSideOrStaff(c.actor) {
					e.t.Errorf("the private consortium listed: %v", listed)
				}
			}
		}},
		{route: "GET /consortia/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/consortia/new", nil, c.actor), nil
		}},
		{route: "POST /consortia/new", want: byActor(toLogin, s403, s403, s303, s303, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// The lead organization's admins start a consortium, and staff.
			title := "Posted consortium " + e.marker("k")
			p := e.do("POST", "/consortia/new", e.consortiumForm(title), c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "consortia stored", `SELECT COUNT(*) FROM consortia WHERE title = $1`, title)
			}
		}},
	}
	for _, v := range visibilities {
		cases = append(cases,
			pageCase{route: "GET /consortia/{id}", note: v.note, want: consortiumSeen(v.public), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.privateConsortium
				if v.public {
					co = e.consortium
				}
				p := e.do("GET", idPath("/consortia/%d", co.ID), nil, c.actor)
				return p, func() {
					if p.status == s200 && !p.has(co.Title) {
						e.t.Errorf("the consortium's page lacks its title")
					}
				}
			}},
			pageCase{route: "GET /consortia/{id}/edit", note: v.note, want: consortiumManaged(v.public, s200), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.privateConsortium
				if v.public {
					co = e.consortium
				}
				return e.do("GET", idPath("/consortia/%d/edit", co.ID), nil, c.actor), nil
			}},
			pageCase{route: "POST /consortia/{id}/edit", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				title := "Renamed consortium " + e.marker("k")
				form := e.consortiumForm(title)
				if !v.public {
					form.Del("public")
				}
				p := e.do("POST", idPath("/consortia/%d/edit", co.ID), form, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "consortia renamed", `SELECT COUNT(*) FROM consortia WHERE id = $1 AND title = $2`, co.ID, title)
				}
			}},
			pageCase{route: "POST /consortia/{id}/join", note: v.note, want: func(c cell) int {
				// One asks for one's own organization, as its admin: the
				// plain members are refused, the lead is a member already,
				// and staff have no organization to ask for.
				if c.actor == otherMember && !v.public {
					return s404
				}
				return byActor(toLogin, s403, s403, s409, s422, s422)(c)
			}, run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				p := e.do("POST", idPath("/consortia/%d/join", co.ID), url.Values{"role": {"member"}, "message": {"Let us in."}}, c.actor)
				return p, func() {
					e.wantCount(1, "memberships", `SELECT COUNT(*) FROM consortium_members WHERE consortium_id = $1`, co.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/members", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				p := e.do("POST", idPath("/consortia/%d/members", co.ID), url.Values{"org_id": {id64(e.other.ID)}, "role": {"member"}}, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "other's active membership",
						`SELECT COUNT(*) FROM consortium_members WHERE consortium_id = $1 AND org_id = $2 AND status = 'active'`, co.ID, e.other.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/requests/{org}/approve", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.pendingRequest(v.public)
				p := e.do("POST", idPath("/consortia/%d/requests/%d/approve", co.ID, e.other.ID), url.Values{}, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "other's active membership",
						`SELECT COUNT(*) FROM consortium_members WHERE consortium_id = $1 AND org_id = $2 AND status = 'active'`, co.ID, e.other.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/requests/{org}/decline", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.pendingRequest(v.public)
				p := e.do("POST", idPath("/consortia/%d/requests/%d/decline", co.ID, e.other.ID), url.Values{}, c.actor)
				return p, func() {
					e.wantCount(one(!p.wrote()), "other's pending request",
						`SELECT COUNT(*) FROM consortium_members WHERE consortium_id = $1 AND org_id = $2 AND status = 'pending'`, co.ID, e.other.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/tasks", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				form := url.Values{"title": {"Work package 1"}, "owner_org_id": {id64(e.own.ID)}, "status": {"planned"},
					"start": {co.Start.Format(time.DateOnly)}, "due": {co.End.Format(time.DateOnly)}}
				p := e.do("POST", idPath("/consortia/%d/tasks", co.ID), form, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "tasks", `SELECT COUNT(*) FROM consortium_tasks WHERE consortium_id = $1`, co.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/tasks/{task}/status", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				task := &kakehashi.Task{ConsortiumID: co.ID, Title: "WP", OwnerOrgID: e.own.ID, Start: co.Start, Due: co.End}
				if err := e.db.CreateTask(context.Background(), task, system); err != nil {
					e.t.Fatal(err)
				}
				p := e.do("POST", idPath("/consortia/%d/tasks/%d/status", co.ID, task.ID), url.Values{"status": {"active"}}, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "active tasks", `SELECT COUNT(*) FROM consortium_tasks WHERE id = $1 AND status = 'active'`, task.ID)
				}
			}},
			pageCase{route: "POST /consortia/{id}/listings", note: v.note, want: consortiumManaged(v.public, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
				co := e.newConsortium(v.public)
				l := e.need(e.own.ID, colPublic)
				p := e.do("POST", idPath("/consortia/%d/listings", co.ID), url.Values{"listing_id": {id64(l.ID)}}, c.actor)
				return p, func() {
					e.wantCount(one(p.wrote()), "shared listings", `SELECT COUNT(*) FROM consortium_listings WHERE consortium_id = $1`, co.ID)
				}
			}},
		)
	}
	return cases
}

// pendingRequest stores a consortium of own that other has asked to join.
func (e *authzEnv) pendingRequest(public bool) *kakehashi.Consortium {
	e.t.Helper()
	co := e.newConsortium(public)
	m := &kakehashi.Membership{ConsortiumID: co.ID, OrgID: e.other.ID, Role: kakehashi.MemberMember}
	if err := e.db.RequestMembership(context.Background(), m, system); err != nil {
		e.t.Fatalf("request membership: %v", err)
	}
	return co
}

// fundingForm is a valid posted funding call of the funder.
func (e *authzEnv) fundingForm(programme string) url.Values {
	return url.Values{"programme": {programme}, "description": {"Grants for joint research."}, "currency": {"JPY"}, "deadline": {e.days(90)},
		"amount_min": {"0"}, "amount_max": {"1,000,000"}, "org_id": {id64(e.funder.ID)}}
}

// fundingPageCases are the rows of funding calls, which the funder's
// admins and staff publish: here staff, as no caller is the funder's.
func fundingPageCases() []pageCase {
	return []pageCase{
		{route: "GET /funding", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/funding", nil, c.actor)
			return p, func() {
				if !p.has(e.funding.Programme) {
					e.t.Errorf("the open funding call is not listed")
				}
			}
		}},
		{route: "GET /funding/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/funding/new", nil, c.actor), nil
		}},
		{route: "POST /funding/new", want: byActor(toLogin, s403, s403, s422, s303, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// Members post for their own organization: the owner's admin
			// may publish for it, but it is no funder.
			programme := "Posted grant " + e.marker("g")
			p := e.do("POST", "/funding/new", e.fundingForm(programme), c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "funding calls stored", `SELECT COUNT(*) FROM funding_calls WHERE programme = $1`, programme)
			}
		}},
		{route: "GET /funding/{id}", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/funding/%d", e.funding.ID), nil, c.actor), nil
		}},
		{route: "GET /funding/{id}/edit", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/funding/%d/edit", e.funding.ID), nil, c.actor), nil
		}},
		{route: "POST /funding/{id}/edit", want: staffOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			f := e.newFundingCall()
			programme := "Renamed grant " + e.marker("g")
			p := e.do("POST", idPath("/funding/%d/edit", f.ID), e.fundingForm(programme), c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "funding calls renamed", `SELECT COUNT(*) FROM funding_calls WHERE id = $1 AND programme = $2`, f.ID, programme)
			}
		}},
		{route: "POST /funding/{id}/delete", want: staffOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			f := e.newFundingCall()
			p := e.do("POST", idPath("/funding/%d/delete", f.ID), url.Values{}, c.actor)
			return p, func() {
				e.wantCount(one(!p.wrote()), "funding calls left", `SELECT COUNT(*) FROM funding_calls WHERE id = $1`, f.ID)
			}
		}},
	}
}
