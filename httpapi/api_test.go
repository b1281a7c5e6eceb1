package httpapi_test

// The API as a client sees it: the OpenAPI document, problem+json errors,
// pagination, sessions, API tokens, rate limiting, CSRF protection, the
// audit trail and the operational endpoints. SQLite suffices here; the
// authorization matrix runs on both backends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
)

func newSQLiteEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnv(t, sqliteDSN, httpapi.Config{})
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	r := e.do("GET", "/openapi.json", nil).want(t, http.StatusOK)
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	for _, p := range []string{"/listings", "/listings/{id}", "/organizations", "/organizations/{id}", "/users", "/users/{id}",
		"/me", "/me/tokens", "/me/tokens/{id}", "/audit", "/auth/login", "/auth/logout"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("path %s not documented", p)
		}
	}
	// Every operation on a path with {id} must declare (and so parse) it.
	for path, ops := range doc.Paths {
		if !strings.Contains(path, "{id}") {
			continue
		}
		for method, op := range ops {
			if !slices.ContainsFunc(op.Parameters, func(p struct {
				Name string `json:"name"`
				In   string `json:"in"`
			}) bool {
				return p.Name == "id" && p.In == "path"
			}) {
				t.Errorf("%s %s does not declare its id path parameter", strings.ToUpper(method), path)
			}
		}
	}
}

// validListing is a body POST /listings accepts.
func validListing(title string) map[string]any {
	return map[string]any{"side": "seed", "kind": "technology", "title": title, "summary": "A summary.", "language": "en", "trl": 4}
}

func with(m map[string]any, k string, v any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		c[k] = v
	}
	c[k] = v
	return c
}

func TestErrorsAndRejectedWrites(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	member := e.as(ownerMember)
	l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	valid := validListing("Valid")
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		as       cred
		status   int
		location string // "" when no field is to blame
	}{
		{"malformed JSON", "POST", "/listings", `{"side": "seed",`, member, http.StatusBadRequest, "body"},
		{"unknown field", "POST", "/listings", with(valid, "colour", "red"), member, http.StatusUnprocessableEntity, "body.colour"},
		{"unknown side", "POST", "/listings", with(valid, "side", "sideways"), member, http.StatusUnprocessableEntity, "body.side"},
		{"trl 0", "POST", "/listings", with(valid, "trl", 0), member, http.StatusUnprocessableEntity, "body.trl"},
		{"trl 10", "POST", "/listings", with(valid, "trl", 10), member, http.StatusUnprocessableEntity, "body.trl"},
		{"country UK", "POST", "/listings", with(valid, "target_countries", []string{"US", "UK"}), member, http.StatusUnprocessableEntity, "body.target_countries[1]"},
		{"country UK first", "POST", "/listings", with(valid, "target_countries", []string{"UK"}), member, http.StatusUnprocessableEntity, "body.target_countries[0]"},
		{"language english", "POST", "/listings", with(valid, "language", "english"), member, http.StatusUnprocessableEntity, "body.language"},
		{"kind of the other side", "POST", "/listings", with(valid, "kind", "challenge"), member, http.StatusUnprocessableEntity, "body.kind"},
		{"bad deadline", "POST", "/listings", with(valid, "deadline", "next week"), member, http.StatusUnprocessableEntity, "body.deadline"},
		{"body over 256 KiB", "POST", "/listings", with(valid, "body", strings.Repeat("a", 300<<10)), member, http.StatusRequestEntityTooLarge, ""},
		{"patch trl 10", "PATCH", fmt.Sprintf("/listings/%d", l.ID), map[string]any{"trl": 10}, member, http.StatusUnprocessableEntity, "body.trl"},
		{"patch language", "PATCH", fmt.Sprintf("/listings/%d", l.ID), map[string]any{"title": "Changed", "language": "english"}, member, http.StatusUnprocessableEntity, "body.language"},
		{"organization country UK", "POST", "/organizations", map[string]any{"name": "UK Org", "kind": "company", "country": "UK"}, e.as(admin), http.StatusUnprocessableEntity, "body.country"},
		{"user short password", "POST", "/users", map[string]any{"email": "short@example.com", "name": "Short", "password": "short", "org_id": e.own.ID}, e.as(admin), http.StatusUnprocessableEntity, "body.password"},
		{"user bad e-mail", "POST", "/users", map[string]any{"email": "not an address", "name": "Bad", "password": "long enough pw", "org_id": e.own.ID}, e.as(admin), http.StatusUnprocessableEntity, "body.email"},
		{"bad cursor", "GET", "/listings?cursor=not-a-cursor", nil, nil, http.StatusBadRequest, "query.cursor"},
		{"unknown country filter", "GET", "/listings?country=XX", nil, nil, http.StatusBadRequest, "query.country"},
		{"unknown language filter", "GET", "/listings?language=english", nil, nil, http.StatusBadRequest, "query.language"},
		{"limit 0", "GET", "/listings?limit=0", nil, nil, http.StatusUnprocessableEntity, "query.limit"},
		{"bad id", "GET", "/listings/0", nil, nil, http.StatusUnprocessableEntity, "path.id"},
	}
	const counts = `SELECT (SELECT COUNT(*) FROM listings) + (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM audit_events WHERE action NOT LIKE 'session.%')`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			before := e.count(counts)
			r := e.do(tc.method, tc.path, tc.body, tc.as)
			var locs []string
			if tc.location != "" {
				locs = append(locs, tc.location)
			}
			r.wantProblem(t, tc.status, locs...)
			if after := e.count(counts); after != before {
				t.Errorf("rejected %s stored %d records", tc.method, after-before)
			}
			stored, err := e.db.Listing(context.Background(), l.ID)
			if err != nil || !stored.UpdatedAt.Equal(l.UpdatedAt) || stored.Title != l.Title {
				t.Errorf("listing %d changed by a rejected write: %+v %v", l.ID, stored, err)
			}
		})
	}
	// The base body is valid: each rejection above is due to its one change.
	before := e.count(`SELECT COUNT(*) FROM listings`)
	e.do("POST", "/listings", valid, member).want(t, http.StatusCreated)
	if after := e.count(`SELECT COUNT(*) FROM listings`); after != before+1 {
		t.Errorf("valid create stored %d listings", after-before)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	var public, memberSees []int64
	for i := range 8 {
		l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
		public = append(public, l.ID)
		memberSees = append(memberSees, l.ID)
		switch i {
		case 2:
			e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusDraft) // seen by neither
		case 5:
			memberSees = append(memberSees, e.listing(e.own.ID, kakehashi.VisibilityMembers, kakehashi.StatusDraft).ID)
		}
	}
	for _, tc := range []struct {
		as    actorID
		want  []int64
		pages []int
	}{
		{anonymous, public, []int{3, 3, 2}},
		{ownerMember, memberSees, []int{3, 3, 3}}, // a full last page has no next cursor either
	} {
		t.Run(tc.as.String(), func(t *testing.T) {
			e := e.with(t)
			var got []int64
			var sizes []int
			cursor := ""
			for len(sizes) <= len(tc.want) {
				path := "/listings?limit=3"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				var p listingPage
				e.do("GET", path, nil, e.as(tc.as)).want(t, http.StatusOK).decode(t, &p)
				sizes = append(sizes, len(p.Items))
				for _, m := range p.Items {
					got = append(got, id(m, "id"))
				}
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("visited %v, want %v", got, tc.want)
			}
			if !slices.Equal(sizes, tc.pages) {
				t.Errorf("page sizes %v, want %v", sizes, tc.pages)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			e := newEnv(t, sqliteDSN, httpapi.Config{SecureCookies: secure})
			a := e.actors[ownerMember]
			r := e.do("POST", "/auth/login", map[string]any{"email": a.user.Email, "password": a.password}).want(t, http.StatusOK)
			c := r.cookie()
			if c == nil || c.Value == "" {
				t.Fatalf("no session cookie: %v", r.header)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" || c.MaxAge <= 0 {
				t.Errorf("cookie %q: want HttpOnly, SameSite=Lax, Secure=%v, Path=/ and a Max-Age", r.header.Get("Set-Cookie"), secure)
			}
			if m := r.obj(t); m["email"] != a.user.Email || m["password_hash"] != nil {
				t.Errorf("login answered %v", m)
			}
			e.do("GET", "/me", nil, session(c.Value)).want(t, http.StatusOK)

			r = e.do("POST", "/auth/logout", nil, session(c.Value)).want(t, http.StatusNoContent)
			if gone := r.cookie(); gone == nil || gone.Value != "" || gone.MaxAge >= 0 || gone.Secure != secure || !gone.HttpOnly {
				t.Errorf("logout cookie %q: want it cleared with the same attributes", r.header.Get("Set-Cookie"))
			}
			// The old cookie now acts as anonymous.
			e.do("GET", "/me", nil, session(c.Value)).wantProblem(t, http.StatusUnauthorized)
			var p listingPage
			e.listing(e.own.ID, kakehashi.VisibilityMembers, kakehashi.StatusOpen)
			e.do("GET", "/listings", nil, session(c.Value)).want(t, http.StatusOK).decode(t, &p)
			if len(p.Items) != 0 {
				t.Errorf("ended session still sees members-only listings: %v", p.Items)
			}
			// Other sessions of the user live on.
			e.do("GET", "/me", nil, e.as(ownerMember)).want(t, http.StatusOK)
		})
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	a := e.actors[ownerMember]
	m := e.do("POST", "/me/tokens", map[string]any{"name": "script"}, e.as(ownerMember)).want(t, http.StatusCreated).obj(t)
	token, _ := m["token"].(string)
	if !strings.HasPrefix(token, "kkt_") || len(token) < 40 {
		t.Fatalf("token %q, want a long secret starting with kkt_", token)
	}
	if me := e.do("GET", "/me", nil, bearer(token)).want(t, http.StatusOK).obj(t); me["email"] != a.user.Email {
		t.Errorf("bearer token authenticates %v, want %s", me["email"], a.user.Email)
	}
	// A token acts for its user: it sees what they see.
	l := e.listing(e.own.ID, kakehashi.VisibilityConfidential, kakehashi.StatusDraft)
	e.do("GET", fmt.Sprintf("/listings/%d", l.ID), nil, bearer(token)).want(t, http.StatusOK)

	var list []map[string]any
	e.do("GET", "/me/tokens", nil, bearer(token)).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || id(list[0], "id") != id(m, "id") || list[0]["token"] != nil || list[0]["last_used_at"] == nil {
		t.Errorf("token list %v: want the one token, used, without its secret", list)
	}

	e.do("DELETE", fmt.Sprintf("/me/tokens/%d", id(m, "id")), nil, e.as(ownerMember)).want(t, http.StatusNoContent)
	e.do("GET", "/me", nil, bearer(token)).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, bearer("kkt_garbage")).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/listings", nil, bearer("kkt_garbage")).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, header("Authorization", "Basic dXNlcjpwYXNz")).wantProblem(t, http.StatusUnauthorized)
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	a := e.actors[ownerMember]
	for i := range 10 {
		r := e.do("POST", "/auth/login", map[string]any{"email": a.user.Email, "password": fmt.Sprintf("wrong %d", i)})
		r.wantProblem(t, http.StatusUnauthorized)
	}
	r := e.do("POST", "/auth/login", map[string]any{"email": strings.ToUpper(a.user.Email), "password": a.password})
	r.wantProblem(t, http.StatusTooManyRequests)
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs <= 0 || secs > 15*60+1 {
		t.Errorf("Retry-After %q, want seconds up to the 15-minute window", r.header.Get("Retry-After"))
	}
	if c := r.cookie(); c != nil && c.Value != "" {
		t.Error("a refused login set a session")
	}
	// The limit is per account: another user still signs in.
	b := e.actors[ownerAdmin]
	e.do("POST", "/auth/login", map[string]any{"email": b.user.Email, "password": b.password}).want(t, http.StatusOK)
}

func TestCrossOriginWritesRefused(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	count := func() int { return e.count(`SELECT COUNT(*) FROM listings`) }
	before := count()
	for _, h := range []cred{header("Sec-Fetch-Site", "cross-site"), header("Origin", "https://evil.example")} {
		r := e.do("POST", "/listings", validListing("Cross-site"), e.as(ownerMember), h)
		r.want(t, http.StatusForbidden)
	}
	if n := count(); n != before {
		t.Fatalf("cross-origin requests stored %d listings", n-before)
	}
	e.do("POST", "/listings", validListing("Same-origin"), e.as(ownerMember), header("Sec-Fetch-Site", "same-origin")).want(t, http.StatusCreated)
	e.do("POST", "/listings", validListing("Same host"), e.as(ownerMember), header("Origin", e.srv.URL)).want(t, http.StatusCreated)
	if n := count(); n != before+2 {
		t.Fatalf("same-origin requests stored %d listings, want 2", n-before)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	a := e.actors[ownerMember]
	const newPassword = "a brand new password"
	r := e.do("PATCH", "/me", map[string]any{"password": newPassword, "current_password": "not the password"}, e.as(ownerMember))
	r.wantProblem(t, http.StatusUnprocessableEntity, "body.current_password")
	r = e.do("PATCH", "/me", map[string]any{"password": newPassword}, e.as(ownerMember))
	r.wantProblem(t, http.StatusUnprocessableEntity, "body.current_password")
	r = e.do("PATCH", "/me", map[string]any{"password": "short", "current_password": a.password}, e.as(ownerMember))
	r.wantProblem(t, http.StatusUnprocessableEntity, "body.password")
	e.do("GET", "/me", nil, e.as(ownerMember)).want(t, http.StatusOK) // refused changes end nothing

	e.do("PATCH", "/me", map[string]any{"password": newPassword, "current_password": a.password}, e.as(ownerMember)).want(t, http.StatusOK)
	e.do("GET", "/me", nil, e.as(ownerMember)).wantProblem(t, http.StatusUnauthorized)
	e.do("POST", "/auth/login", map[string]any{"email": a.user.Email, "password": a.password}).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, session(e.signIn(a.user.Email, newPassword))).want(t, http.StatusOK)

	// An admin may not set their own password around PATCH /me.
	adm := e.actors[admin].user
	r = e.do("PATCH", fmt.Sprintf("/users/%d", adm.ID), map[string]any{"password": "another new password"}, e.as(admin))
	r.wantProblem(t, http.StatusForbidden)
}

func TestAuditRecordsAPIWrites(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	type want struct {
		action, recordType string
		recordID           int64
		actor              actorID
	}
	var wants []want
	write := func(a actorID, method, path string, body any, status int, action, recordType string, recordID func(m map[string]any) int64) map[string]any {
		t.Helper()
		m := map[string]any{}
		if r := e.do(method, path, body, e.as(a)).want(t, status); len(r.body) > 0 {
			r.decode(t, &m)
		}
		wants = append(wants, want{action, recordType, recordID(m), a})
		return m
	}
	self := func(m map[string]any) int64 { return id(m, "id") }
	fixed := func(id int64) func(map[string]any) int64 { return func(map[string]any) int64 { return id } }

	write(admin, "POST", "/organizations", map[string]any{"name": "Audited", "kind": "sme", "country": "DE"}, http.StatusCreated, "organization.create", "organization", self)
	write(ownerAdmin, "PATCH", fmt.Sprintf("/organizations/%d", e.own.ID), map[string]any{"description": "Audited change."}, http.StatusOK, "organization.update", "organization", self)
	l := write(ownerMember, "POST", "/listings", validListing("Audited"), http.StatusCreated, "listing.create", "listing", self)
	write(coordinator, "PATCH", fmt.Sprintf("/listings/%d", id(l, "id")), map[string]any{"status": "closed"}, http.StatusOK, "listing.update", "listing", self)
	u := write(ownerAdmin, "POST", "/users", map[string]any{"email": "audited@example.com", "name": "Audited", "password": "long enough pw", "org_id": e.own.ID}, http.StatusCreated, "user.create", "user", self)
	write(admin, "PATCH", fmt.Sprintf("/users/%d", id(u, "id")), map[string]any{"disabled": true}, http.StatusOK, "user.update", "user", self)
	write(otherMember, "PATCH", "/me", map[string]any{"name": "Renamed"}, http.StatusOK, "user.update", "user", self)
	tok := write(otherMember, "POST", "/me/tokens", map[string]any{"name": "audited"}, http.StatusCreated, "api_token.create", "user", fixed(e.actors[otherMember].user.ID))
	write(otherMember, "DELETE", fmt.Sprintf("/me/tokens/%d", id(tok, "id")), nil, http.StatusNoContent, "api_token.delete", "user", fixed(e.actors[otherMember].user.ID))

	// A sign-out through the API.
	o := e.actors[otherMember]
	e.do("POST", "/auth/logout", nil, session(e.signIn(o.user.Email, o.password))).want(t, http.StatusNoContent)

	var events []*kakehashi.AuditEvent
	cursor := ""
	for range 100 {
		var p struct {
			Items      []*kakehashi.AuditEvent `json:"items"`
			NextCursor string                  `json:"next_cursor"`
		}
		e.do("GET", "/audit?limit=5&cursor="+cursor, nil, e.as(admin)).want(t, http.StatusOK).decode(t, &p)
		events = append(events, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	for i := 1; i < len(events); i++ {
		if events[i].ID >= events[i-1].ID {
			t.Fatalf("audit log not newest first: %d after %d", events[i].ID, events[i-1].ID)
		}
	}
	for _, w := range wants {
		u := e.actors[w.actor].user
		if !slices.ContainsFunc(events, func(ev *kakehashi.AuditEvent) bool {
			return ev.Action == w.action && ev.RecordType == w.recordType && ev.RecordID == w.recordID && ev.Actor == u.Email && ev.ActorID == u.ID
		}) {
			t.Errorf("no audit event %s %s %d by %s", w.action, w.recordType, w.recordID, u.Email)
		}
	}
	// Sign-ins and sign-outs are recorded under the user's id and e-mail.
	for _, w := range []struct {
		action string
		user   *kakehashi.User
	}{{"session.create", e.actors[admin].user}, {"session.delete", o.user}} {
		if !slices.ContainsFunc(events, func(ev *kakehashi.AuditEvent) bool {
			return ev.Action == w.action && ev.ActorID == w.user.ID && ev.RecordID == w.user.ID && ev.Actor == w.user.Email
		}) {
			t.Errorf("no %s event for %s", w.action, w.user.Email)
		}
	}
}

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	if r := e.request("GET", "/healthz", nil).want(t, http.StatusOK); strings.TrimSpace(string(r.body)) != "ok" {
		t.Errorf("/healthz: %q", r.body)
	}
	r := e.request("GET", "/readyz", nil).want(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("/readyz Content-Type %q", ct)
	}
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	r.decode(t, &ready)
	if !ready.Ready || ready.Checks["store"] != "ok" {
		t.Errorf("/readyz: %s", r.body)
	}

	// The metrics are not on the public handler, only on their own.
	e.request("GET", "/metrics", nil).want(t, http.StatusNotFound)
	metricsSrv := httptest.NewServer(e.api.MetricsHandler())
	t.Cleanup(metricsSrv.Close)
	scrape := func() string {
		t.Helper()
		resp, err := http.Get(metricsSrv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics on the metrics handler: status %d, %v", resp.StatusCode, err)
		}
		return string(b)
	}
	const series = `kakehashi_http_requests_total{method="GET",route="list-listings",status="200"} 1`
	if m := scrape(); strings.Contains(m, `route="list-listings"`) {
		t.Fatalf("list-listings counted before any listings request:\n%s", m)
	}
	e.do("GET", "/listings", nil).want(t, http.StatusOK)
	m := scrape()
	if !strings.Contains(m, series+"\n") || !strings.Contains(m, `kakehashi_http_request_duration_seconds_count{route="list-listings"} 1`) {
		t.Errorf("/metrics lacks %s:\n%s", series, m)
	}

	t.Run("not ready", func(t *testing.T) {
		e := newEnv(t, sqliteDSN, httpapi.Config{ReadyChecks: []httpapi.ReadyCheck{{Name: "index", Check: func(context.Context) error { return errors.New("index behind") }}}})
		r := e.request("GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)
		r.decode(t, &ready)
		if ready.Ready || ready.Checks["index"] != "index behind" || ready.Checks["store"] != "ok" {
			t.Errorf("/readyz: %s", r.body)
		}
	})
}
