package httpapi_test

// The authorization matrix: every API operation × six callers × three
// listing visibilities, with the exact status each must get, on both
// backends, each refusal leaving the store unchanged; and the list
// invariant: GET /listings never returns a record the caller may not see,
// nor hides one they may.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

var backends = []struct {
	name string
	dsn  storetest.NewDSN
}{{"SQLite", sqliteDSN}, {"Postgres", postgresDSN}}

func TestAuthorization(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.dsn, httpapi.Config{})
			e.trackChanges()
			t.Run("EveryOperationInMatrix", func(t *testing.T) { testMatrixCoversAPI(t, e.with(t)) })
			t.Run("Matrix", func(t *testing.T) { testMatrix(t, e.with(t)) })
			t.Run("ListInvariant", func(t *testing.T) { testListInvariant(t, e.with(t)) })
		})
	}
}

// cell is one combination of caller and visibility.
type cell struct {
	actor actorID
	vis   kakehashi.Visibility
	// l is the open listing of the owner organization with visibility vis.
	l *kakehashi.Listing
}

// authzCase is one row of the matrix: an operation, the status each cell
// must get, and how to call it. run returns the response and, optionally,
// checks to make once the status is right (on the stored state, on the body).
// Whatever the row, the runner checks that a refused request (status 400 or
// more) changed nothing in the store, through the change log (changes_test.go):
// no record written, no audit entry, no notification queued.
type authzCase struct {
	op   string // "METHOD /path" as in the OpenAPI document
	note string // tells apart cases of one operation
	want func(c cell) int
	run  func(e *testEnv, c cell) (*response, func())
}

// byActor is a want function that depends on the caller only.
func byActor(anon, other, member, orgAdmin, coord, adm int) func(cell) int {
	s := map[actorID]int{anonymous: anon, otherMember: other, ownerMember: member, ownerAdmin: orgAdmin, coordinator: coord, admin: adm}
	return func(c cell) int { return s[c.actor] }
}

func all(status int) func(cell) int { return func(cell) int { return status } }

// signedIn is the want of operations that only need a signed-in caller.
func signedIn(status int) func(cell) int {
	return byActor(http.StatusUnauthorized, status, status, status, status, status)
}

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s204 = http.StatusNoContent
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s422 = http.StatusUnprocessableEntity
)

// staffOnly is the want of coordinator and admin operations.
func staffOnly(c cell) int { return byActor(s401, s403, s403, s403, s200, s200)(c) }

// introWant is the want of operations on an introduction requested by a
// third organization: its parties (the owner's side) and staff may act;
// otherMember is no party and learns nothing.
func introWant(c cell) int {
	return byActor(s401, s404, s200, s200, s200, s200)(c)
}

func authzCases() []authzCase {
	return append(append(append(append(append(coreAuthzCases(), callAuthzCases()...), eventAuthzCases()...), kpiAuthzCases()...), researcherAuthzCases()...), consortiumAuthzCases()...)
}

// coreAuthzCases are the rows of the core, the pipeline and screening.
func coreAuthzCases() []authzCase {
	return []authzCase{
		{op: "GET /listings", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/listings?limit=200", nil, e.as(c.actor))
			return r, func() {
				var p listingPage
				r.decode(e.t, &p)
				found := slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == c.l.ID })
				if want := c.actor != anonymous || c.vis == kakehashi.VisibilityPublic; found != want {
					e.t.Errorf("listing %d (%s) in the list: %v, want %v", c.l.ID, c.vis, found, want)
				}
			}
		}},
		{op: "GET /listings/{id}", want: func(c cell) int {
			if c.actor == anonymous && c.vis != kakehashi.VisibilityPublic {
				return s404
			}
			return s200
		}, run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", fmt.Sprintf("/listings/%d", c.l.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					notFound(e.t, r, "listing", c.l.ID)
					if strings.Contains(string(r.body), c.l.Title) {
						e.t.Errorf("refusal names the listing: %s", r.body)
					}
					return
				}
				m := r.obj(e.t)
				if id(m, "id") != c.l.ID || m["title"] != c.l.Title {
					e.t.Errorf("got listing %v %q, want %d %q", m["id"], m["title"], c.l.ID, c.l.Title)
				}
				checkRedaction(e.t, m, c.l, c.actor == otherMember && c.vis == kakehashi.VisibilityConfidential)
			}
		}},
		{op: "POST /listings", want: byActor(s401, s403, s201, s201, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			title := fmt.Sprintf("matrix listing %s %s %d", c.actor, c.vis, e.next())
			r := e.do("POST", "/listings", map[string]any{"side": "seed", "kind": "technology", "org_id": e.own.ID, "title": title,
				"summary": "A summary.", "language": "en", "trl": 4, "visibility": c.vis}, e.as(c.actor))
			return r, func() {
				stored := e.count(`SELECT COUNT(*) FROM listings WHERE title = $1`, title)
				if r.status != s201 {
					if stored != 0 {
						e.t.Errorf("refused create stored %d listings", stored)
					}
					return
				}
				l, err := e.db.Listing(context.Background(), id(r.obj(e.t), "id"))
				if err != nil || stored != 1 {
					e.t.Fatalf("created listing not stored once (%d): %v", stored, err)
				}
				if l.OrgID != e.own.ID || l.Visibility != c.vis || l.CreatedBy != e.actors[c.actor].user.ID {
					e.t.Errorf("stored org %d visibility %s creator %d; want %d %s %d", l.OrgID, l.Visibility, l.CreatedBy, e.own.ID, c.vis, e.actors[c.actor].user.ID)
				}
			}
		}},
		{op: "PATCH /listings/{id}", want: byActor(s401, s403, s200, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			l := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen)
			r := e.do("PATCH", fmt.Sprintf("/listings/%d", l.ID), map[string]any{"title": "changed"}, e.as(c.actor))
			return r, func() {
				stored, err := e.db.Listing(context.Background(), l.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := stored.Title == "changed"; changed != (r.status == s200) {
					e.t.Errorf("stored title %q after status %d", stored.Title, r.status)
				}
			}
		}},
		{op: "GET /search", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			word := fmt.Sprintf("zqx%d", e.next())
			l := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Body = "Uses " + word + " widely." })
			e.index()
			r := e.do("GET", "/search?facets=true&q="+word, nil, e.as(c.actor))
			return r, func() {
				var p struct {
					Hits []struct {
						Listing map[string]any
					}
					Total int
				}
				r.decode(e.t, &p)
				// The word is in the body: only viewers who read the body find it.
				var viewer *kakehashi.User
				if a := e.actors[c.actor]; a != nil {
					viewer = a.user
				}
				want := kakehashi.SeesFullListing(viewer, l)
				if found := len(p.Hits) == 1 && id(p.Hits[0].Listing, "id") == l.ID; found != want || (p.Total == 1) != want {
					e.t.Errorf("search for a body word of a %s listing: %d hits, total %d; want found=%v", c.vis, len(p.Hits), p.Total, want)
				}
			}
		}},
		{op: "GET /listings/{id}/matches", want: func(c cell) int {
			if c.actor == anonymous && c.vis != kakehashi.VisibilityPublic {
				return s404
			}
			return s200
		}, run: func(e *testEnv, c cell) (*response, func()) {
			e.index()
			r := e.do("GET", fmt.Sprintf("/listings/%d/matches", c.l.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					notFound(e.t, r, "listing", c.l.ID)
					return
				}
				var m struct {
					Listing map[string]any
				}
				r.decode(e.t, &m)
				checkRedaction(e.t, m.Listing, c.l, c.actor == otherMember && c.vis == kakehashi.VisibilityConfidential)
			}
		}},
		{op: "POST /listings/{id}/interest", want: byActor(s401, s201, s422, s422, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			l := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen)
			r := e.do("POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]any{"message": "We are interested."}, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM introductions WHERE listing_id = $1`, l.ID); n != want {
					e.t.Errorf("%d introductions stored after status %d", n, r.status)
				}
				if r.status == s201 && c.vis == kakehashi.VisibilityConfidential && c.actor == otherMember {
					if m := r.obj(e.t); m["owner_hidden"] != true || m["owner_org_id"] != nil {
						e.t.Errorf("the owner of a confidential listing is shown before acceptance: %v", m)
					}
				}
			}
		}},
		{op: "GET /introductions", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			r := e.do("GET", "/introductions?limit=200", nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				found := slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == in.ID })
				if want := c.actor != otherMember; found != want {
					e.t.Errorf("introduction %d listed: %v, want %v", in.ID, found, want)
				}
			}
		}},
		{op: "GET /introductions/{id}", want: introWant, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			r := e.do("GET", fmt.Sprintf("/introductions/%d", in.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 && id(r.obj(e.t), "id") != in.ID {
					e.t.Errorf("got another introduction")
				}
			}
		}},
		{op: "POST /introductions/{id}/transitions", want: introWant, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			r := e.do("POST", fmt.Sprintf("/introductions/%d/transitions", in.ID), map[string]any{"to": "introduced"}, e.as(c.actor))
			return r, func() {
				stored, err := e.db.Introduction(context.Background(), in.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if moved := stored.Stage == kakehashi.StageIntroduced; moved != (r.status == s200) {
					e.t.Errorf("stage %s after status %d", stored.Stage, r.status)
				}
			}
		}},
		// Who is not a party learns nothing of the introduction: 404, as for one that does not exist.
		{op: "PUT /introductions/{id}/coordinator", want: byActor(s401, s404, s403, s403, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			coord := e.actors[coordinator].user.ID
			r := e.do("PUT", fmt.Sprintf("/introductions/%d/coordinator", in.ID), map[string]any{"coordinator_id": coord}, e.as(c.actor))
			return r, func() {
				stored, _ := e.db.Introduction(context.Background(), in.ID)
				if assigned := stored.CoordinatorID == coord; assigned != (r.status == s200) {
					e.t.Errorf("coordinator %d after status %d", stored.CoordinatorID, r.status)
				}
			}
		}},
		{op: "GET /introductions/{id}/events", want: introWant, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			return e.do("GET", fmt.Sprintf("/introductions/%d/events", in.ID), nil, e.as(c.actor)), nil
		}},
		{op: "GET /introductions/{id}/messages", want: introWant, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			return e.do("GET", fmt.Sprintf("/introductions/%d/messages", in.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /introductions/{id}/messages", want: func(c cell) int {
			if s := introWant(c); s != s200 {
				return s
			}
			return s201
		}, run: func(e *testEnv, c cell) (*response, func()) {
			in := e.intro(c.vis)
			r := e.do("POST", fmt.Sprintf("/introductions/%d/messages", in.ID), map[string]any{"body": "Hello."}, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM messages WHERE introduction_id = $1`, in.ID); n != want {
					e.t.Errorf("%d messages stored after status %d", n, r.status)
				}
			}
		}},
		{op: "GET /me/notifications", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/me/notifications", nil, e.as(c.actor)), nil
		}},
		{op: "POST /me/notifications/read", want: signedIn(s204), run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("POST", "/me/notifications/read", map[string]any{}, e.as(c.actor)), nil
		}},
		{op: "GET /me/feed", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/me/feed", nil, e.as(c.actor)), nil
		}},
		{op: "POST /me/feed/rotate", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			var before string
			if c.actor != anonymous {
				before = e.do("GET", "/me/feed", nil, e.as(c.actor)).want(e.t, s200).obj(e.t)["url"].(string)
			}
			r := e.do("POST", "/me/feed/rotate", nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				if after, _ := r.obj(e.t)["url"].(string); after == "" || after == before {
					e.t.Errorf("rotated feed address %q, was %q", after, before)
				}
			}
		}},
		{op: "GET /feeds/{token}", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			// The token is the credential: whoever holds the target's feed
			// address reads it; a forged one is not found.
			url := e.do("GET", "/me/feed", nil, session(e.signIn(e.target.Email, "password of target"))).want(e.t, s200).obj(e.t)["url"].(string)
			r := e.do("GET", strings.TrimPrefix(url, "/api/v1"), nil, e.as(c.actor))
			return r, func() {
				if !strings.Contains(string(r.body), "<feed xmlns=\"http://www.w3.org/2005/Atom\">") {
					e.t.Errorf("not an Atom feed: %.200s", r.body)
				}
				forged := strings.Replace(url, "-", "-x", 1)
				if f := e.do("GET", strings.TrimPrefix(forged, "/api/v1"), nil, e.as(c.actor)); f.status != s404 {
					e.t.Errorf("a forged feed token answered %d", f.status)
				}
			}
		}},
		{op: "GET /screening/lists", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/screening/lists", nil, e.as(c.actor)), nil
		}},
		{op: "GET /screening/entries", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/screening/entries?q=huawei", nil, e.as(c.actor)), nil
		}},
		{op: "POST /screening/check", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("POST", "/screening/check", map[string]any{"name": "Example Trading Co., Ltd.", "country": "CN"}, e.as(c.actor)), nil
		}},
		{op: "GET /organizations/{id}/screening", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", fmt.Sprintf("/organizations/%d/screening", e.other.ID), nil, e.as(c.actor)), nil
		}},
		{op: "POST /organizations/{id}/screening", want: func(c cell) int {
			if s := staffOnly(c); s != s200 {
				return s
			}
			return s201
		}, run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("POST", fmt.Sprintf("/organizations/%d/screening", e.other.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s201 && r.obj(e.t)["status"] != "clear" {
					e.t.Errorf("with no list loaded, a screening is clear: %s", r.body)
				}
			}
		}},
		{op: "POST /organizations/{id}/screening/decision", want: func(c cell) int {
			if s := staffOnly(c); s != s200 {
				return s
			}
			return http.StatusConflict // nothing to decide: no potential match
		}, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("POST", fmt.Sprintf("/organizations/%d/screening/decision", e.other.ID), map[string]any{"decision": "cleared", "reason": "A different company."}, e.as(c.actor)), nil
		}},
		{op: "GET /organizations", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/organizations?limit=200", nil, e.as(c.actor))
			return r, func() {
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				if !slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == e.own.ID }) {
					e.t.Errorf("organization %d not listed", e.own.ID)
				}
			}
		}},
		{op: "GET /organizations/{id}", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", fmt.Sprintf("/organizations/%d", e.own.ID), nil, e.as(c.actor))
			return r, func() {
				if got := id(r.obj(e.t), "id"); got != e.own.ID {
					e.t.Errorf("got organization %d, want %d", got, e.own.ID)
				}
			}
		}},
		{op: "POST /organizations", want: byActor(s401, s403, s403, s403, s201, s201), run: func(e *testEnv, c cell) (*response, func()) {
			name := fmt.Sprintf("Matrix org %s %s %d", c.actor, c.vis, e.next())
			r := e.do("POST", "/organizations", map[string]any{"name": name, "kind": "startup", "country": "JP"}, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
				}
				if n := e.count(`SELECT COUNT(*) FROM organizations WHERE name = $1`, name); n != want {
					e.t.Errorf("%d organizations stored after status %d", n, r.status)
				}
			}
		}},
		{op: "PATCH /organizations/{id}", want: byActor(s401, s403, s403, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			ctx := context.Background()
			o, err := e.db.Organization(ctx, e.own.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			o.Description = "Before the matrix cell."
			if err := e.db.UpdateOrganization(ctx, o, system); err != nil {
				e.t.Fatal(err)
			}
			r := e.do("PATCH", fmt.Sprintf("/organizations/%d", e.own.ID), map[string]any{"description": "x"}, e.as(c.actor))
			return r, func() {
				o, err := e.db.Organization(ctx, e.own.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := o.Description == "x"; changed != (r.status == s200) {
					e.t.Errorf("stored description %q after status %d", o.Description, r.status)
				}
			}
		}},
		// Webhooks: the organization's admins and platform admins manage
		// them; a webhook of another organization is not found through this
		// one's path.
		{op: "POST /organizations/{id}/webhooks", want: byActor(s401, s403, s403, s201, s403, s201), run: func(e *testEnv, c cell) (*response, func()) {
			url := fmt.Sprintf("https://hooks.example/%d", e.next())
			r := e.do("POST", fmt.Sprintf("/organizations/%d/webhooks", e.own.ID), map[string]any{"url": url, "events": []string{"message.created"}}, e.as(c.actor))
			return r, func() {
				stored := e.count(`SELECT COUNT(*) FROM webhooks WHERE url = $1 AND org_id = $2`, url, e.own.ID)
				if want := map[bool]int{true: 1, false: 0}[r.status == s201]; stored != want {
					e.t.Errorf("status %d stored %d webhooks, want %d", r.status, stored, want)
				}
				if r.status == s201 {
					if m := r.obj(e.t); m["secret"] == "" || m["secret"] == nil || id(m, "org_id") != e.own.ID {
						e.t.Errorf("created webhook %v: want its secret once and org %d", m, e.own.ID)
					}
				}
			}
		}},
		{op: "GET /organizations/{id}/webhooks", want: byActor(s401, s403, s403, s200, s403, s200), run: func(e *testEnv, c cell) (*response, func()) {
			w := e.webhook(e.own.ID)
			r := e.do("GET", fmt.Sprintf("/organizations/%d/webhooks", e.own.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				if !slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == w.ID }) {
					e.t.Errorf("webhook %d not listed", w.ID)
				}
				if strings.Contains(string(r.body), w.Secret) || strings.Contains(string(r.body), `"secret"`) {
					e.t.Error("the list shows a secret")
				}
			}
		}},
		{op: "DELETE /organizations/{id}/webhooks/{hook}", want: byActor(s401, s403, s403, s204, s403, s204), run: func(e *testEnv, c cell) (*response, func()) {
			w := e.webhook(e.own.ID)
			r := e.do("DELETE", fmt.Sprintf("/organizations/%d/webhooks/%d", e.own.ID, w.ID), nil, e.as(c.actor))
			return r, func() {
				if active := e.count(`SELECT COUNT(*) FROM webhooks WHERE id = $1 AND active`, w.ID); active != map[bool]int{true: 0, false: 1}[r.status == s204] {
					e.t.Errorf("status %d left webhook %d active: %d", r.status, w.ID, active)
				}
			}
		}},
		{op: "DELETE /organizations/{id}/webhooks/{hook}", note: "another organization's webhook", want: byActor(s401, s403, s403, s404, s403, s404), run: func(e *testEnv, c cell) (*response, func()) {
			w := e.webhook(e.other.ID)
			r := e.do("DELETE", fmt.Sprintf("/organizations/%d/webhooks/%d", e.own.ID, w.ID), nil, e.as(c.actor))
			return r, func() {
				if e.count(`SELECT COUNT(*) FROM webhooks WHERE id = $1 AND active`, w.ID) != 1 {
					e.t.Errorf("another organization's webhook %d was removed", w.ID)
				}
				if r.status == s404 {
					notFound(e.t, r, "webhook", w.ID)
				}
			}
		}},
		{op: "GET /organizations/{id}/webhooks/{hook}/deliveries", want: byActor(s401, s403, s403, s200, s403, s200), run: func(e *testEnv, c cell) (*response, func()) {
			w := e.webhook(e.own.ID)
			r := e.do("GET", fmt.Sprintf("/organizations/%d/webhooks/%d/deliveries", e.own.ID, w.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					var p struct{ Items []map[string]any }
					r.decode(e.t, &p)
					if p.Items == nil {
						e.t.Errorf("deliveries: %s", r.body)
					}
				}
			}
		}},
		{op: "GET /organizations/{id}/webhooks/{hook}/deliveries", note: "another organization's webhook", want: byActor(s401, s403, s403, s404, s403, s404), run: func(e *testEnv, c cell) (*response, func()) {
			w := e.webhook(e.other.ID)
			r := e.do("GET", fmt.Sprintf("/organizations/%d/webhooks/%d/deliveries", e.own.ID, w.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "webhook", w.ID)
				}
			}
		}},
		// Saved alerts: any signed-in user on a need they may see; an alert
		// is its user's alone.
		{op: "POST /me/alerts", want: signedIn(s201), run: func(e *testEnv, c cell) (*response, func()) {
			need := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Side, l.Kind = kakehashi.SideNeed, kakehashi.KindChallenge })
			r := e.do("POST", "/me/alerts", map[string]any{"listing_id": need.ID}, e.as(c.actor))
			return r, func() {
				stored := e.count(`SELECT COUNT(*) FROM alerts WHERE listing_id = $1`, need.ID)
				if want := map[bool]int{true: 1, false: 0}[r.status == s201]; stored != want {
					e.t.Errorf("status %d stored %d alerts", r.status, stored)
				}
			}
		}},
		{op: "GET /me/alerts", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			theirs := e.alert(e.target)
			r := e.do("GET", "/me/alerts", nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 && strings.Contains(string(r.body), fmt.Sprintf(`"id":%d,`, theirs.ID)) {
					e.t.Errorf("another user's alert listed: %s", r.body)
				}
			}
		}},
		{op: "DELETE /me/alerts/{id}", want: signedIn(s204), run: func(e *testEnv, c cell) (*response, func()) {
			if c.actor == anonymous {
				return e.do("DELETE", fmt.Sprintf("/me/alerts/%d", e.alert(e.target).ID), nil), nil
			}
			a := e.alert(e.actors[c.actor].user)
			r := e.do("DELETE", fmt.Sprintf("/me/alerts/%d", a.ID), nil, e.as(c.actor))
			return r, func() {
				if e.count(`SELECT COUNT(*) FROM alerts WHERE id = $1`, a.ID) != 0 {
					e.t.Errorf("alert %d not removed", a.ID)
				}
			}
		}},
		{op: "DELETE /me/alerts/{id}", note: "another user's alert", want: byActor(s401, s404, s404, s404, s404, s404), run: func(e *testEnv, c cell) (*response, func()) {
			a := e.alert(e.target)
			r := e.do("DELETE", fmt.Sprintf("/me/alerts/%d", a.ID), nil, e.as(c.actor))
			return r, func() {
				if e.count(`SELECT COUNT(*) FROM alerts WHERE id = $1`, a.ID) != 1 {
					e.t.Errorf("another user's alert %d removed", a.ID)
				}
				if r.status == s404 {
					notFound(e.t, r, "alert", a.ID)
				}
			}
		}},
		{op: "GET /users", want: byActor(s401, s403, s403, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/users?limit=200", nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				ids := map[int64]bool{}
				for _, u := range p.Items {
					ids[id(u, "id")] = true
					if c.actor == ownerAdmin && id(u, "org_id") != e.own.ID {
						e.t.Errorf("org admin of %d is shown user %v of organization %v", e.own.ID, u["email"], u["org_id"])
					}
					if _, ok := u["password_hash"]; ok {
						e.t.Errorf("user %v listed with a password hash", u["email"])
					}
				}
				if !ids[e.target.ID] {
					e.t.Errorf("user %d of the caller's reach not listed", e.target.ID)
				}
				if c.actor != ownerAdmin && !ids[e.actors[otherMember].user.ID] {
					e.t.Errorf("staff list lacks user %d of another organization", e.actors[otherMember].user.ID)
				}
			}
		}},
		{op: "GET /users/{id}", want: byActor(s401, s404, s404, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", fmt.Sprintf("/users/%d", e.target.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "user", e.target.ID)
				}
				if r.status != s200 {
					if strings.Contains(string(r.body), e.target.Email) {
						e.t.Errorf("refusal shows the account: %s", r.body)
					}
					return
				}
				if m := r.obj(e.t); id(m, "id") != e.target.ID || m["email"] != e.target.Email {
					e.t.Errorf("got user %v %v, want %d", m["id"], m["email"], e.target.ID)
				}
			}
		}},
		{op: "POST /users", want: byActor(s401, s403, s403, s201, s403, s201), run: func(e *testEnv, c cell) (*response, func()) {
			email := fmt.Sprintf("new-%d@example.com", e.next())
			r := e.do("POST", "/users", map[string]any{"email": email, "name": "New user", "password": "long enough pw",
				"org_id": e.own.ID, "org_role": "member"}, e.as(c.actor))
			return r, func() {
				u, err := e.db.UserByEmail(context.Background(), email)
				if r.status != s201 {
					if err == nil {
						e.t.Errorf("refused create stored user %d", u.ID)
					}
					return
				}
				if err != nil {
					e.t.Fatalf("created user not stored: %v", err)
				}
				if u.OrgID != e.own.ID || u.OrgRole != kakehashi.RoleMember || u.PlatformRole != kakehashi.PlatformNone {
					e.t.Errorf("stored %+v", u)
				}
			}
		}},
		{op: "PATCH /users/{id}", want: byActor(s401, s404, s404, s200, s403, s200), run: func(e *testEnv, c cell) (*response, func()) {
			u := e.user("patch-target", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "")
			r := e.do("PATCH", fmt.Sprintf("/users/%d", u.ID), map[string]any{"name": "New"}, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "user", u.ID)
				}
				stored, err := e.db.User(context.Background(), u.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := stored.Name == "New"; changed != (r.status == s200) {
					e.t.Errorf("stored name %q after status %d", stored.Name, r.status)
				}
			}
		}},
		{op: "GET /me", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/me", nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					if m := r.obj(e.t); m["email"] != e.actors[c.actor].user.Email {
						e.t.Errorf("GET /me is %v, want %s", m["email"], e.actors[c.actor].user.Email)
					}
				}
			}
		}},
		{op: "PATCH /me", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ctx := context.Background()
			if c.actor != anonymous {
				u, err := e.db.User(ctx, e.actors[c.actor].user.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				u.Name = c.actor.String()
				if err := e.db.UpdateUser(ctx, u, system); err != nil {
					e.t.Fatal(err)
				}
			}
			r := e.do("PATCH", "/me", map[string]any{"name": "Me"}, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					u, err := e.db.User(ctx, e.actors[c.actor].user.ID)
					if err != nil || u.Name != "Me" {
						e.t.Errorf("stored name %q (%v), want Me", u.Name, err)
					}
				}
			}
		}},
		{op: "GET /me/tokens", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/me/tokens", nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []map[string]any
				r.decode(e.t, &list)
				for _, tok := range list {
					if id(tok, "user_id") != e.actors[c.actor].user.ID {
						e.t.Errorf("token %v of user %v listed", tok["id"], tok["user_id"])
					}
				}
			}
		}},
		{op: "POST /me/tokens", want: signedIn(s201), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("POST", "/me/tokens", map[string]any{"name": "t"}, e.as(c.actor))
			return r, func() {
				if r.status != s201 {
					return
				}
				m := r.obj(e.t)
				if tok, _ := m["token"].(string); !strings.HasPrefix(tok, "kkt_") || id(m, "user_id") != e.actors[c.actor].user.ID {
					e.t.Errorf("created token %v", m)
				}
			}
		}},
		{op: "DELETE /me/tokens/{id}", note: "own", want: signedIn(s204), run: func(e *testEnv, c cell) (*response, func()) {
			var tokenID, owner int64
			if c.actor == anonymous {
				owner, tokenID = e.target.ID, e.token(e.target)
			} else {
				owner = e.actors[c.actor].user.ID
				tokenID = id(e.do("POST", "/me/tokens", map[string]any{"name": "t"}, e.as(c.actor)).want(e.t, s201).obj(e.t), "id")
			}
			r := e.do("DELETE", fmt.Sprintf("/me/tokens/%d", tokenID), nil, e.as(c.actor))
			return r, func() {
				if exists := e.hasToken(owner, tokenID); exists != (r.status != s204) {
					e.t.Errorf("token %d exists: %v after status %d", tokenID, exists, r.status)
				}
			}
		}},
		{op: "DELETE /me/tokens/{id}", note: "another user's", want: signedIn(s404), run: func(e *testEnv, c cell) (*response, func()) {
			tokenID := e.token(e.target)
			r := e.do("DELETE", fmt.Sprintf("/me/tokens/%d", tokenID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "API token", tokenID)
				}
				if !e.hasToken(e.target.ID, tokenID) {
					e.t.Errorf("another user's token %d was deleted", tokenID)
				}
			}
		}},
		{op: "GET /audit", want: byActor(s401, s403, s403, s403, s403, s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", "/audit", nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					var p struct{ Items []map[string]any }
					if r.decode(e.t, &p); len(p.Items) == 0 {
						e.t.Error("audit log is empty")
					}
				}
			}
		}},
		// 6 actors × 3 visibilities = 18 failures from one address, under
		// the limit of 20 per address: the matrix must not add more.
		{op: "POST /auth/login", note: "wrong password", want: all(s401), run: func(e *testEnv, c cell) (*response, func()) {
			email := e.target.Email
			if c.actor != anonymous {
				email = e.actors[c.actor].user.Email
			}
			r := e.do("POST", "/auth/login", map[string]any{"email": email, "password": "not the password"}, e.as(c.actor))
			return r, func() {
				if ck := r.cookie(); ck != nil && ck.Value != "" {
					e.t.Errorf("failed login set a session cookie")
				}
			}
		}},
		{op: "POST /auth/logout", want: all(s204), run: func(e *testEnv, c cell) (*response, func()) {
			if c.actor == anonymous {
				return e.do("POST", "/auth/logout", nil), nil
			}
			a := e.actors[c.actor]
			fresh := e.signIn(a.user.Email, a.password)
			r := e.do("POST", "/auth/logout", nil, session(fresh))
			return r, func() {
				e.do("GET", "/me", nil, session(fresh)).want(e.t, s401)
				e.do("GET", "/me", nil, e.as(c.actor)).want(e.t, s200)
			}
		}},
	}
}

// webhook stores a webhook of organization orgID.
func (e *testEnv) webhook(orgID int64) *kakehashi.Webhook {
	e.t.Helper()
	w := &kakehashi.Webhook{OrgID: orgID, URL: fmt.Sprintf("https://hooks.example/%d", e.next()), Events: kakehashi.WebhookEvents()}
	if err := e.db.CreateWebhook(context.Background(), w, system); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// alert stores an alert of u on a new public need.
func (e *testEnv) alert(u *kakehashi.User) *kakehashi.Alert {
	e.t.Helper()
	need := e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Side, l.Kind = kakehashi.SideNeed, kakehashi.KindChallenge })
	a := &kakehashi.Alert{ListingID: need.ID}
	if err := e.db.CreateAlert(context.Background(), a, u); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// token stores an API token of u and returns its id.
func (e *testEnv) token(u *kakehashi.User) int64 {
	e.t.Helper()
	secret, err := auth.NewToken("kkt_")
	if err != nil {
		e.t.Fatal(err)
	}
	tok := kakehashi.APIToken{UserID: u.ID, Name: "target's"}
	if err := e.db.CreateAPIToken(context.Background(), &tok, auth.HashToken(secret), u); err != nil {
		e.t.Fatal(err)
	}
	return tok.ID
}

func (e *testEnv) hasToken(userID, tokenID int64) bool {
	e.t.Helper()
	list, err := e.db.APITokens(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return slices.ContainsFunc(list, func(t *kakehashi.APIToken) bool { return t.ID == tokenID })
}

// notFound checks that a 404 is about the record asked for, not a request
// that lost its id on the way (as PATCH routes once did).
func notFound(t *testing.T, r *response, what string, id int64) {
	t.Helper()
	var p problem
	r.decode(t, &p)
	if want := fmt.Sprintf("%s %d not found", what, id); p.Detail != want {
		t.Errorf("404 detail %q, want %q", p.Detail, want)
	}
}

// checkRedaction checks that m, a listing as the API returned it, shows
// stored in full, or redacted: without owner, creator, external id and body.
func checkRedaction(t *testing.T, m map[string]any, stored *kakehashi.Listing, redacted bool) {
	t.Helper()
	if m["title"] != stored.Title {
		t.Errorf("listing %d: title %q, want %q", stored.ID, m["title"], stored.Title)
	}
	if redacted {
		_, hasOrg := m["org_id"]
		_, hasCreator := m["created_by"]
		if m["org_hidden"] != true || m["body_hidden"] != true || hasOrg || hasCreator || m["body"] != "" || m["external_id"] != "" {
			t.Errorf("listing %d: want it redacted (org_hidden, body_hidden, no org_id, created_by, external_id or body), got org_hidden=%v body_hidden=%v org_id=%v created_by=%v external_id=%q body=%q",
				stored.ID, m["org_hidden"], m["body_hidden"], m["org_id"], m["created_by"], m["external_id"], m["body"])
		}
		return
	}
	if m["org_hidden"] != nil || m["body_hidden"] != nil || id(m, "org_id") != stored.OrgID || m["body"] != stored.Body {
		t.Errorf("listing %d: want it in full (org %d, body %q), got org_hidden=%v body_hidden=%v org_id=%v body=%q",
			stored.ID, stored.OrgID, stored.Body, m["org_hidden"], m["body_hidden"], m["org_id"], m["body"])
	}
}

// testMatrixCoversAPI checks that the matrix has a row for every operation
// the API documents, so that a new route cannot miss its access rules.
func testMatrixCoversAPI(t *testing.T, e *testEnv) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	e.do("GET", "/openapi.json", nil).want(t, s200).decode(t, &doc)
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "patch", "delete", "head", "options":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	inMatrix := map[string]bool{}
	for _, tc := range authzCases() {
		inMatrix[tc.op] = true
		if !documented[tc.op] {
			t.Errorf("matrix row %q is not an operation of the API", tc.op)
		}
	}
	for op := range documented {
		if !inMatrix[op] {
			t.Errorf("operation %q has no row in the authorization matrix", op)
		}
	}
	if len(documented) < 20 {
		t.Errorf("only %d operations documented: %v", len(documented), documented)
	}
}

func testMatrix(t *testing.T, e *testEnv) {
	base := map[kakehashi.Visibility]*kakehashi.Listing{}
	for _, v := range kakehashi.Visibilities {
		base[v] = e.listing(e.own.ID, v, kakehashi.StatusOpen)
	}
	// refused counts the refused requests checked against the change log,
	// allowedWrites the allowed writes the log saw change the store: if
	// none did, the log is not watching and the check proves nothing.
	cells, refused, allowedWrites := 0, 0, 0
	for _, tc := range authzCases() {
		name := tc.op
		if tc.note != "" {
			name += " (" + tc.note + ")"
		}
		t.Run(name, func(t *testing.T) {
			for _, a := range actorIDs {
				for _, v := range kakehashi.Visibilities {
					cells++
					t.Run(a.String()+"/"+string(v), func(t *testing.T) {
						c := cell{actor: a, vis: v, l: base[v]}
						want := tc.want(c)
						r, after := tc.run(e.with(t), c)
						if r.status != want {
							t.Fatalf("%s as %s, visibility %s: status %d, want %d; body: %.400s", name, a, v, r.status, want, r.body)
						}
						switch changed := signInCountsAside(r, e.changes.since(t, r.mark)); {
						case r.status >= 400:
							refused++
							if len(changed) > 0 {
								t.Errorf("refused %s %s (status %d) changed the store, which must be left as it was:\n%s", r.method, r.path, r.status, changesText(changed))
							}
						case r.method != http.MethodGet && len(changed) > 0:
							allowedWrites++
						}
						if want >= 400 {
							r.wantProblem(t, want)
						}
						if after != nil {
							after()
						}
					})
				}
			}
		})
	}
	t.Logf("%d matrix cells; %d refused requests checked against the change log", cells, refused)
	if refused == 0 || allowedWrites == 0 {
		t.Errorf("the change log saw %d allowed writes change the store and checked %d refused requests: it is not watching", allowedWrites, refused)
	}
}

// changesText lists changes one per line, for a failure message.
// signInCountsAside drops, for a sign-in, its writes to the sign-in
// attempt counters: a refused sign-in must be counted, before its password
// is checked, or the rate limit would not hold (auth.Limiter). Every other
// request, and every other table, stays under the check.
func signInCountsAside(r *response, cs []change) []change {
	if r.method != http.MethodPost || r.path != "/api/v1/auth/login" {
		return cs
	}
	return slices.DeleteFunc(cs, func(c change) bool { return c.table == "sign_in_attempts" })
}

func changesText(cs []change) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = "    " + c.String()
	}
	return strings.Join(lines, "\n")
}

// testListInvariant pages through GET /listings as every caller, with and
// without filters, and checks the result against the access rules applied
// to the stored listings: every listing returned may be seen, is redacted
// exactly when the caller may not see it in full, and every listing the
// caller may see is returned.
func testListInvariant(t *testing.T, e *testEnv) {
	ctx := context.Background()
	own, other := e.own.ID, e.other.ID
	need := func(l *kakehashi.Listing) { l.Side, l.Kind = kakehashi.SideNeed, kakehashi.KindChallenge }
	for _, s := range []struct {
		org    int64
		vis    kakehashi.Visibility
		status kakehashi.Status
		need   bool
	}{
		{own, kakehashi.VisibilityPublic, kakehashi.StatusDraft, false},
		{own, kakehashi.VisibilityConfidential, kakehashi.StatusDraft, false},
		{own, kakehashi.VisibilityMembers, kakehashi.StatusClosed, false},
		{own, kakehashi.VisibilityConfidential, kakehashi.StatusArchived, true},
		{own, kakehashi.VisibilityPublic, kakehashi.StatusOpen, true},
		{other, kakehashi.VisibilityPublic, kakehashi.StatusOpen, false},
		{other, kakehashi.VisibilityMembers, kakehashi.StatusOpen, false},
		{other, kakehashi.VisibilityConfidential, kakehashi.StatusOpen, false},
		{other, kakehashi.VisibilityMembers, kakehashi.StatusDraft, false},
		{other, kakehashi.VisibilityPublic, kakehashi.StatusDraft, true},
		{other, kakehashi.VisibilityConfidential, kakehashi.StatusClosed, true},
		{other, kakehashi.VisibilityPublic, kakehashi.StatusClosed, false},
	} {
		if s.need {
			e.listing(s.org, s.vis, s.status, need)
		} else {
			e.listing(s.org, s.vis, s.status)
		}
	}

	// Every stored listing, read straight from the database.
	stored := map[int64]*kakehashi.Listing{}
	var ids []int64
	rows, err := e.db.SQL().QueryContext(ctx, `SELECT id FROM listings ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if stored[id], err = e.db.Listing(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	country := map[int64]string{own: e.own.Country, other: e.other.Country}

	filters := []struct {
		query string
		match func(l *kakehashi.Listing) bool
		// owner filters select on the owner, so they return only the
		// listings whose owner the caller may see: a redacted listing in
		// the result would tell who owns it.
		owner bool
	}{
		{"", func(*kakehashi.Listing) bool { return true }, false},
		{"side=seed", func(l *kakehashi.Listing) bool { return l.Side == kakehashi.SideSeed }, false},
		{"side=need", func(l *kakehashi.Listing) bool { return l.Side == kakehashi.SideNeed }, false},
		{"status=draft", func(l *kakehashi.Listing) bool { return l.Status == kakehashi.StatusDraft }, false},
		{"country=JP", func(l *kakehashi.Listing) bool { return country[l.OrgID] == "JP" }, true},
		{"country=US", func(l *kakehashi.Listing) bool { return country[l.OrgID] == "US" }, true},
		{fmt.Sprintf("org=%d", own), func(l *kakehashi.Listing) bool { return l.OrgID == own }, true},
		{fmt.Sprintf("org=%d", other), func(l *kakehashi.Listing) bool { return l.OrgID == other }, true},
	}
	redactedSeen := 0
	for _, a := range actorIDs {
		var viewer *kakehashi.User
		if a != anonymous {
			if viewer, err = e.db.User(ctx, e.actors[a].user.ID); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range filters {
			t.Run(a.String()+"/"+f.query, func(t *testing.T) {
				e := e.with(t)
				var want, got []int64
				for _, id := range ids {
					l := stored[id]
					if f.match(l) && kakehashi.CanSeeListing(viewer, l) && (!f.owner || kakehashi.SeesFullListing(viewer, l)) {
						want = append(want, id)
					}
				}
				cursor, pages := "", 0
				for {
					q := url.Values{"limit": {"2"}}
					if cursor != "" {
						q.Set("cursor", cursor)
					}
					path := "/listings?" + q.Encode()
					if f.query != "" {
						path += "&" + f.query
					}
					var p listingPage
					e.do("GET", path, nil, e.as(a)).want(t, s200).decode(t, &p)
					if len(p.Items) > 2 {
						t.Fatalf("page of %d items with limit=2", len(p.Items))
					}
					for _, m := range p.Items {
						l := stored[id(m, "id")]
						if l == nil {
							t.Fatalf("listed listing %v is not stored", m["id"])
						}
						if !kakehashi.CanSeeListing(viewer, l) {
							t.Errorf("listed listing %d (org %d, %s, %s) may not be seen by %s", l.ID, l.OrgID, l.Visibility, l.Status, a)
						}
						full := kakehashi.SeesFullListing(viewer, l)
						if !full {
							redactedSeen++
						}
						checkRedaction(t, m, l, !full)
						got = append(got, l.ID)
					}
					pages++
					if p.NextCursor == "" {
						break
					}
					if len(p.Items) != 2 || pages > len(ids) {
						t.Fatalf("page %d has %d items and a next cursor", pages, len(p.Items))
					}
					cursor = p.NextCursor
				}
				if !slices.Equal(got, want) {
					t.Errorf("listed %v, want %v (in id order, each once)", got, want)
				}
			})
		}
	}
	// The invariant must have been put to the test.
	if redactedSeen == 0 {
		t.Error("no caller was shown a redacted listing")
	}
	counts := map[actorID]int{}
	for _, a := range actorIDs {
		var viewer *kakehashi.User
		if a != anonymous {
			viewer, _ = e.db.User(ctx, e.actors[a].user.ID)
		}
		for _, l := range stored {
			if kakehashi.CanSeeListing(viewer, l) {
				counts[a]++
			}
		}
	}
	if !(counts[anonymous] < counts[otherMember] && counts[otherMember] < counts[admin] && counts[ownerMember] < counts[admin]) {
		t.Errorf("seed does not separate the callers: visible counts %v", counts)
	}
}
