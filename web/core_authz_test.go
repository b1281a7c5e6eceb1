package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// listingForm is a valid posted listing: a need of column col titled title.
func listingForm(title string, col column) url.Values {
	return url.Values{"side": {"need"}, "kind": {"challenge"}, "title": {title}, "summary": {"A need posted in the matrix."},
		"body": {"Posted body."}, "language": {"en"}, "trl": {"4"}, "ip_status": {"none"}, "visibility": {string(col.vis)},
		"status": {string(col.status)}}
}

// editWant is the want of changing a listing of own: its organization and
// staff; others who may see it are refused, those who may not learn nothing.
func editWant(ok int) func(cell) int {
	return func(c cell) int {
		switch {
		case c.actor == anonymous:
			return toLogin
		case !seesListing(c):
			return s404
		case ownerSideOrStaff(c.actor):
			return ok
		}
		return s403
	}
}

// quoted is how a page links to path: href="path", so that /listings/1
// does not match /listings/12.
func quoted(format string, ids ...int64) string { return `"` + idPath(format, ids...) + `"` }

// hidesOwner fails the test if p names organization o or links to it.
func (e *authzEnv) hidesOwner(p *answer, o *kakehashi.Organization) {
	e.t.Helper()
	for _, s := range []string{o.Name, o.LocalName, quoted("/orgs/%d", o.ID)} {
		if i := strings.Index(p.body, s); i >= 0 {
			e.t.Errorf("%s %s names the hidden owner: %q in …%s…", p.method, p.path, s, textOf(p.body[max(0, i-1500):min(len(p.body), i+1500)]))
		}
	}
}

var assetPattern = regexp.MustCompile(`/static/[a-z]+\.[0-9a-f]+\.css`)

// corePageCases are the rows of the listing, search, organization,
// sign-in and miscellaneous pages.
func corePageCases() []pageCase {
	return []pageCase{
		{route: "GET /{$}", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/", nil, c.actor), nil
		}},
		{route: "GET /search", perColumn: true, want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			// A word of the body: found by those who read the body.
			word := strings.TrimSuffix(strings.Fields(c.l.Body)[2], ".")
			p := e.do("GET", "/search?q="+word, nil, c.actor)
			return p, func() {
				if found := p.has(quoted("/listings/%d", c.l.ID)); found != seesFull(c) {
					e.t.Errorf("search for a body word of the %s need finds it: %v, want %v", c.col.name, found, seesFull(c))
				}
				// A word of the title: found by those who may see it.
				word := strings.Fields(c.l.Title)[2]
				t := e.do("GET", "/search?q="+word, nil, c.actor)
				if t.status != s200 {
					e.t.Fatalf("search by title: status %d", t.status)
				}
				if found := t.has(quoted("/listings/%d", c.l.ID)); found != seesListing(c) {
					e.t.Errorf("search for a title word of the %s need finds it: %v, want %v", c.col.name, found, seesListing(c))
				}
			}
		}},
		{route: "GET /listings/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/listings/new", nil, c.actor), nil
		}},
		{route: "POST /listings/new", perColumn: true, want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			title := "Posted " + e.marker("t")
			form := listingForm(title, c.col)
			form.Set("org_id", strconv.FormatInt(e.own.ID, 10)) // staff choose; the others post for their own
			p := e.do("POST", "/listings/new", form, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "listings stored", `SELECT COUNT(*) FROM listings WHERE title = $1`, title)
				if !p.wrote() {
					return
				}
				l, err := e.db.Listing(context.Background(), idAfter(e.t, p.location(), "/listings/"))
				if err != nil {
					e.t.Fatal(err)
				}
				wantOrg := e.own.ID
				if c.actor == otherMember {
					wantOrg = e.other.ID
				}
				if l.Title != title || l.OrgID != wantOrg || l.Visibility != c.col.vis || l.Status != c.col.status || l.CreatedBy != e.userOf(c.actor).ID {
					e.t.Errorf("stored %q of org %d, %s, %s, by %d; want org %d, %s, %s, by %d", l.Title, l.OrgID, l.Visibility, l.Status, l.CreatedBy,
						wantOrg, c.col.vis, c.col.status, e.userOf(c.actor).ID)
				}
			}
		}},
		{route: "POST /listings/preview", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			form := listingForm("Previewed need", colPublic)
			// The id of another organization's listing changes nothing.
			form.Set("id", strconv.FormatInt(e.needs["confidential"].ID, 10))
			p := e.do("POST", "/listings/preview", form, c.actor)
			return p, func() {
				e.wantCount(0, "previewed listings stored", `SELECT COUNT(*) FROM listings WHERE title = 'Previewed need'`)
			}
		}},
		{route: "GET /listings/{id}", perColumn: true, want: listingPage(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/listings/%d", c.l.ID), nil, c.actor)
			return p, func() {
				if p.status != s200 {
					if p.has(c.l.Title) {
						e.t.Errorf("the refusal names the listing")
					}
					return
				}
				if !p.has(c.l.Title) {
					e.t.Errorf("the page lacks the title")
				}
				if shown := p.has(c.l.Body); shown != seesFull(c) {
					e.t.Errorf("body shown: %v, want %v", shown, seesFull(c))
				}
				if seesFull(c) {
					if !p.has(e.own.Name) {
						e.t.Errorf("the owner is not named")
					}
				} else {
					e.hidesOwner(p, e.own)
				}
			}
		}},
		{route: "GET /listings/{id}", note: "matches of a confidential need", want: byActor(s404, s200, s200, s200, s200, s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			// hidden's confidential need (in Germany) and other's public
			// seed, which looks for partners in Germany, share two words:
			// the match's explanation may not say where the need is from
			// to those who may not know its owner (all but staff here).
			w1, w2 := e.marker("v"), e.marker("v")
			need := e.need(e.hidden.ID, colConfidential, func(l *kakehashi.Listing) { l.Title, l.Summary = "Need "+w1, w1+" "+w2 })
			seed := e.need(e.other.ID, colPublic, func(l *kakehashi.Listing) {
				l.Side, l.Kind, l.Title, l.Summary, l.TargetCountries = kakehashi.SideSeed, kakehashi.KindTechnology, "Kit "+w1, w1+" "+w2, []string{"DE"}
			})
			e.index()
			p := e.do("GET", idPath("/listings/%d", need.ID), nil, c.actor)
			return p, func() {
				if p.status != s200 {
					return
				}
				if !p.has(quoted("/listings/%d", seed.ID)) {
					e.t.Fatalf("the seed is not a match: %.2000s", textOf(p.body))
				}
				if shown := p.has("partners in Germany, the need"); shown != (c.actor == coordinator || c.actor == admin) {
					e.t.Errorf("the need's country (Germany) shown in the match's fit: %v", shown)
				}
			}
		}},
		{route: "GET /listings/{id}", note: "a confidential seed as a match", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			// other's public need, which looks for partners in Germany,
			// and hidden's confidential seed share two words: the match's
			// explanation may not say where the seed is from to those who
			// may not know its owner.
			w1, w2 := e.marker("v"), e.marker("v")
			need := e.need(e.other.ID, colPublic, func(l *kakehashi.Listing) {
				l.Title, l.Summary, l.TargetCountries = "Need "+w1, w1+" "+w2, []string{"DE"}
			})
			seed := e.need(e.hidden.ID, colConfidential, func(l *kakehashi.Listing) {
				l.Side, l.Kind, l.Title, l.Summary = kakehashi.SideSeed, kakehashi.KindTechnology, "Kit "+w1, w1+" "+w2
			})
			e.index()
			p := e.do("GET", idPath("/listings/%d", need.ID), nil, c.actor)
			return p, func() {
				if c.actor != anonymous && !p.has(quoted("/listings/%d", seed.ID)) {
					e.t.Fatalf("the seed is not a match: %.2000s", textOf(p.body))
				}
				if shown := p.has("partners in Germany, the seed"); shown != (c.actor == coordinator || c.actor == admin) {
					e.t.Errorf("the seed's country (Germany) shown in the match's fit: %v", shown)
				}
			}
		}},
		{route: "GET /listings/{id}/edit", perColumn: true, want: editWant(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/listings/%d/edit", c.l.ID), nil, c.actor)
			return p, func() {
				if p.status == s200 && !p.has(c.l.Body) {
					e.t.Errorf("the form lacks the body")
				}
			}
		}},
		{route: "POST /listings/{id}/edit", perColumn: true, want: editWant(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			l := e.need(e.own.ID, c.col)
			title := "Changed " + e.marker("t")
			form := listingForm(title, c.col)
			form.Set("org_id", id64(e.own.ID)) // as the form staff get
			p := e.do("POST", idPath("/listings/%d/edit", l.ID), form, c.actor)
			return p, func() {
				stored, err := e.db.Listing(context.Background(), l.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := stored.Title == title; changed != (p.wrote()) {
					e.t.Errorf("stored title %q after status %d", stored.Title, p.status)
				}
				if stored.OrgID != e.own.ID {
					e.t.Errorf("the listing moved to organization %d", stored.OrgID)
				}
			}
		}},
		{route: "POST /listings/{id}/interest", perColumn: true, want: func(c cell) int {
			switch {
			case c.actor == ownerMember || c.actor == ownerAdmin:
				return s422 // their own organization's listing
			}
			return signedInListing(s303)(c)
		}, run: func(e *authzEnv, c cell) (*answer, func()) {
			l := e.need(e.own.ID, c.col)
			p := e.do("POST", idPath("/listings/%d/interest", l.ID), url.Values{"message": {"We are interested."}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "introductions stored", `SELECT COUNT(*) FROM introductions WHERE listing_id = $1`, l.ID)
				if !p.wrote() {
					return
				}
				in := e.do("GET", idPath("/introductions/%d", idAfter(e.t, p.location(), "/introductions/")), nil, c.actor)
				if in.status != s200 {
					e.t.Fatalf("the new introduction's page: status %d", in.status)
				}
				if c.actor == otherMember && c.col == colConfidential {
					// The owner of a confidential listing stays hidden
					// until it accepts.
					e.hidesOwner(in, e.own)
					if in.has(l.Body) {
						e.t.Errorf("the introduction shows the confidential body")
					}
				}
			}
		}},
		{route: "GET /orgs/{id}", perColumn: true, want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/orgs/%d", e.own.ID), nil, c.actor)
			return p, func() {
				// A confidential listing does not name its owner: the
				// owner's page does not list it to those who may not know.
				if listed := p.has(quoted("/listings/%d", c.l.ID)); listed != seesFull(c) {
					e.t.Errorf("the %s need listed on its owner's page: %v, want %v", c.col.name, listed, seesFull(c))
				}
				if shown := p.has(`id="screening"`); shown != (c.actor == coordinator || c.actor == admin) {
					e.t.Errorf("screening section shown: %v", shown)
				}
			}
		}},
		{route: "GET /orgs/{id}/factbook", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/orgs/%d/factbook", e.own.ID), nil, c.actor), nil
		}},
		{route: "GET /login", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/login?next=/dashboard", nil, c.actor), nil
		}},
		{route: "POST /login", note: "wrong password", want: all(s401), run: func(e *authzEnv, c cell) (*answer, func()) {
			email := e.target.Email
			if u := e.userOf(c.actor); u != nil {
				email = u.Email
			}
			p := e.do("POST", "/login", url.Values{"email": {email}, "password": {"not the password"}}, c.actor)
			return p, func() {
				for _, ck := range (&http.Response{Header: p.header}).Cookies() {
					if ck.Value != "" && ck.Name != "lang" {
						e.t.Errorf("a failed sign-in set cookie %s", ck.Name)
					}
				}
			}
		}},
		{route: "POST /login", note: "right password", want: all(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			email, pw := e.target.Email, "password of target"
			if a := e.actors[c.actor]; a != nil {
				email, pw = a.user.Email, a.password
			}
			p := e.do("POST", "/login", url.Values{"email": {email}, "password": {pw}, "next": {"//evil.example/"}}, c.actor)
			return p, func() {
				if p.location() != "/dashboard" {
					e.t.Errorf("sent to %q after signing in, want /dashboard (never off the site)", p.location())
				}
			}
		}},
		{route: "POST /logout", want: all(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			if c.actor == anonymous {
				return e.do("POST", "/logout", nil, c.actor), nil
			}
			a := e.actors[c.actor]
			fresh := e.signIn(a.user.Email, a.password)
			p := e.doWith("POST", "/logout", nil, c.actor, fresh)
			return p, func() {
				if d := e.doWith("GET", "/dashboard", nil, c.actor, fresh); d.status != s303 {
					e.t.Errorf("the ended session still opens the dashboard: %d", d.status)
				}
				if d := e.do("GET", "/dashboard", nil, c.actor); d.status != s200 {
					e.t.Errorf("signing out one session ended another: %d", d.status)
				}
			}
		}},
		{route: "GET /dashboard", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/dashboard", nil, c.actor), nil
		}},
		{route: "GET /lang", want: all(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/lang?to=ja&next=//evil.example/", nil, c.actor)
			return p, func() {
				if p.location() != "/" {
					e.t.Errorf("language switch sends to %q, want / (never off the site)", p.location())
				}
			}
		}},
		{route: "GET /static/{file}", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			home := e.do("GET", "/", nil, c.actor)
			asset := assetPattern.FindString(home.body)
			if asset == "" {
				e.t.Fatalf("no stylesheet on the home page")
			}
			return e.do("GET", asset, nil, c.actor), nil
		}},
		{route: "GET /static/{file}", note: "unknown file", want: all(s404), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/static/app.css", nil, c.actor), nil
		}},
		{route: "/", note: "no such page", want: all(s404), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/no/such/page", nil, c.actor), nil
		}},
	}
}

// pipelinePageCases are the rows of the introductions and the inbox.
func pipelinePageCases() []pageCase {
	return []pageCase{
		{route: "GET /introductions", perColumn: true, want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/introductions", nil, c.actor)
			return p, func() {
				if p.status != s200 {
					return
				}
				if listed := p.has(quoted("/introductions/%d", e.intros[c.col.name].ID)); listed != (c.actor != otherMember) {
					e.t.Errorf("third's interest in the %s need listed: %v", c.col.name, listed)
				}
				if !p.has(quoted("/introductions/%d", e.requested[c.col.name].ID)) {
					e.t.Errorf("other-member's interest in the %s listing not listed", c.col.name)
				}
			}
		}},
		{route: "GET /introductions/{id}", perColumn: true, want: partiesOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			in := e.intros[c.col.name]
			p := e.do("GET", idPath("/introductions/%d", in.ID), nil, c.actor)
			return p, func() {
				if p.status == s200 && !p.has(in.Message) {
					e.t.Errorf("the introduction's page lacks its message")
				}
			}
		}},
		{route: "GET /introductions/{id}", note: "other-member asked", perColumn: true, want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			in, l := e.requested[c.col.name], e.requestedListings[c.col.name]
			p := e.do("GET", idPath("/introductions/%d", in.ID), nil, c.actor)
			return p, func() {
				if p.status != s200 {
					return
				}
				if !p.has(in.Message) {
					e.t.Errorf("the introduction's page lacks its message")
				}
				if c.actor == otherMember && (c.col == colConfidential || c.col == colDraft) {
					if c.col == colConfidential {
						e.hidesOwner(p, e.own)
					}
					if p.has(l.Body) {
						e.t.Errorf("the requester reads the body of a %s listing", c.col.name)
					}
				}
			}
		}},
		{route: "POST /introductions/{id}/transition", perColumn: true, want: partiesOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			in := e.introIn(c.col)
			p := e.do("POST", idPath("/introductions/%d/transition", in.ID), url.Values{"action": {"accept"}, "note": {"Welcome."}}, c.actor)
			return p, func() {
				stored, err := e.db.Introduction(context.Background(), in.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if moved := stored.Stage == kakehashi.StageIntroduced; moved != (p.wrote()) {
					e.t.Errorf("stage %s after status %d", stored.Stage, p.status)
				}
			}
		}},
		{route: "POST /introductions/{id}/coordinator", perColumn: true, want: byActor(toLogin, s404, s403, s403, s303, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			in := e.introIn(c.col)
			coord := e.actors[coordinator].user.ID
			p := e.do("POST", idPath("/introductions/%d/coordinator", in.ID), url.Values{"coordinator_id": {strconv.FormatInt(coord, 10)}}, c.actor)
			return p, func() {
				stored, err := e.db.Introduction(context.Background(), in.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if assigned := stored.CoordinatorID == coord; assigned != (p.wrote()) {
					e.t.Errorf("coordinator %d after status %d", stored.CoordinatorID, p.status)
				}
			}
		}},
		{route: "POST /introductions/{id}/messages", perColumn: true, want: partiesOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			in := e.introIn(c.col)
			p := e.do("POST", idPath("/introductions/%d/messages", in.ID), url.Values{"body": {"Hello from the matrix."}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "messages stored", `SELECT COUNT(*) FROM messages WHERE introduction_id = $1`, in.ID)
			}
		}},
		{route: "GET /inbox", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/inbox", nil, c.actor), nil
		}},
		{route: "POST /inbox/read", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// The ids of another user's notifications mark nothing.
			var ids []string
			rows, err := e.db.SQL().QueryContext(context.Background(), `SELECT id FROM notifications WHERE user_id = $1 AND read_at IS NULL`, e.target.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					e.t.Fatal(err)
				}
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			rows.Close()
			if len(ids) == 0 {
				e.t.Fatal("target has no unread notification")
			}
			p := e.do("POST", "/inbox/read", url.Values{"id": ids}, c.actor)
			return p, func() {
				e.wantCount(len(ids), "target's unread notifications", `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, e.target.ID)
			}
		}},
	}
}

// hooksWant is the want of an organization's webhook pages: its admins
// and platform admins; coordinators are refused, as by the API.
func hooksWant(ok int) func(cell) int { return byActor(toLogin, s403, s403, ok, s403, ok) }

// otherHookWant is the want of another organization's webhook through
// own's pages: not found by those who manage own's.
func otherHookWant(c cell) int { return byActor(toLogin, s403, s403, s404, s403, s404)(c) }

// alert stores u's alert on a new public need of other.
func (e *authzEnv) alert(u *kakehashi.User) *kakehashi.Alert {
	e.t.Helper()
	need := e.need(e.other.ID, colPublic)
	a := &kakehashi.Alert{ListingID: need.ID}
	if err := e.db.CreateAlert(context.Background(), a, u); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// notifyPageCases are the rows of saved alerts and webhooks.
func notifyPageCases() []pageCase {
	return []pageCase{
		{route: "GET /alerts", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			theirs := e.alert(e.target)
			p := e.do("GET", "/alerts", nil, c.actor)
			return p, func() {
				if p.has(quoted("/alerts/%d/delete", theirs.ID)) {
					e.t.Errorf("another user's alert is listed")
				}
			}
		}},
		{route: "POST /alerts", perColumn: true, want: func(c cell) int {
			// The need is a field of the form: one the caller may not see
			// is refused as one that does not exist.
			if w := signedInListing(s303)(c); w != s404 {
				return w
			}
			return s422
		}, run: func(e *authzEnv, c cell) (*answer, func()) {
			l := e.need(e.own.ID, c.col)
			p := e.do("POST", "/alerts", url.Values{"listing_id": {strconv.FormatInt(l.ID, 10)}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "alerts stored", `SELECT COUNT(*) FROM alerts WHERE listing_id = $1`, l.ID)
			}
		}},
		{route: "POST /alerts/{id}/delete", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			owner := e.target
			if u := e.userOf(c.actor); u != nil {
				owner = u
			}
			a := e.alert(owner)
			p := e.do("POST", idPath("/alerts/%d/delete", a.ID), nil, c.actor)
			return p, func() {
				e.wantCount(one(!p.wrote()), "alerts left", `SELECT COUNT(*) FROM alerts WHERE id = $1`, a.ID)
			}
		}},
		{route: "POST /alerts/{id}/delete", note: "another user's alert", want: byActor(toLogin, s404, s404, s404, s404, s404), run: func(e *authzEnv, c cell) (*answer, func()) {
			a := e.alert(e.target)
			p := e.do("POST", idPath("/alerts/%d/delete", a.ID), nil, c.actor)
			return p, func() {
				e.wantCount(1, "another user's alert left", `SELECT COUNT(*) FROM alerts WHERE id = $1`, a.ID)
			}
		}},
		{route: "POST /alerts/feed/rotate", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// The caller's own feed moves to its next address; nobody
			// else's does.
			generation := func(u *kakehashi.User) int64 {
				g, err := e.db.FeedGeneration(context.Background(), u.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				return g
			}
			me := e.userOf(c.actor)
			var mine int64
			if me != nil {
				mine = generation(me)
			}
			theirs := generation(e.target)
			p := e.do("POST", "/alerts/feed/rotate", nil, c.actor)
			return p, func() {
				if me != nil && generation(me) != mine+int64(one(p.wrote())) {
					e.t.Errorf("the caller's feed generation went from %d to %d after status %d", mine, generation(me), p.status)
				}
				if generation(e.target) != theirs {
					e.t.Errorf("another user's feed address moved")
				}
			}
		}},
		{route: "GET /orgs/{id}/webhooks", want: hooksWant(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/orgs/%d/webhooks", e.own.ID), nil, c.actor)
			return p, func() {
				if p.status == s200 && !p.has(e.hook.URL) {
					e.t.Errorf("the organization's webhook is not listed")
				}
				if p.has(e.hook.Secret) || p.has(e.otherHook.URL) {
					e.t.Errorf("the list shows a secret or another organization's webhook")
				}
			}
		}},
		{route: "POST /orgs/{id}/webhooks", want: hooksWant(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			u := "https://hooks.example/" + e.marker("h")
			p := e.do("POST", idPath("/orgs/%d/webhooks", e.own.ID), url.Values{"url": {u}, "events": {"message.created"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.status == s200), "webhooks stored", `SELECT COUNT(*) FROM webhooks WHERE url = $1 AND org_id = $2`, u, e.own.ID)
				if p.status == s200 && p.header.Get("Cache-Control") != "no-store" {
					e.t.Errorf("the page with the new secret may be cached: %q", p.header.Get("Cache-Control"))
				}
			}
		}},
		{route: "GET /orgs/{id}/webhooks/{hook}", want: hooksWant(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/orgs/%d/webhooks/%d", e.own.ID, e.hook.ID), nil, c.actor), nil
		}},
		{route: "GET /orgs/{id}/webhooks/{hook}", note: "another organization's webhook", want: otherHookWant, run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/orgs/%d/webhooks/%d", e.own.ID, e.otherHook.ID), nil, c.actor), nil
		}},
		{route: "POST /orgs/{id}/webhooks/{hook}/delete", want: hooksWant(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			w := e.webhook(e.own.ID)
			p := e.do("POST", idPath("/orgs/%d/webhooks/%d/delete", e.own.ID, w.ID), nil, c.actor)
			return p, func() {
				e.wantCount(one(!p.wrote()), "webhook still active", `SELECT COUNT(*) FROM webhooks WHERE id = $1 AND active`, w.ID)
			}
		}},
		{route: "POST /orgs/{id}/webhooks/{hook}/delete", note: "another organization's webhook", want: otherHookWant, run: func(e *authzEnv, c cell) (*answer, func()) {
			w := e.webhook(e.other.ID)
			p := e.do("POST", idPath("/orgs/%d/webhooks/%d/delete", e.own.ID, w.ID), nil, c.actor)
			return p, func() {
				e.wantCount(1, "another organization's webhook still active", `SELECT COUNT(*) FROM webhooks WHERE id = $1 AND active`, w.ID)
			}
		}},
	}
}

// adminPageCases are the rows of the staff's pages: KPIs, screening, and
// the administration of users and organizations.
func adminPageCases() []pageCase {
	return []pageCase{
		{route: "GET /kpis", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/kpis", nil, c.actor), nil
		}},
		{route: "GET /kpis.csv", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/kpis.csv", nil, c.actor)
			return p, func() {
				if p.status == s200 && !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
					e.t.Errorf("Content-Type %q", p.header.Get("Content-Type"))
				}
			}
		}},
		{route: "GET /screening", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/screening?name=Example+Trading&country=CN&q=huawei", nil, c.actor), nil
		}},
		{route: "POST /orgs/{id}/screening", want: staffOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			o := e.org("Screened "+e.marker("o"), "", "CN", kakehashi.OrgCompany)
			p := e.do("POST", idPath("/orgs/%d/screening", o.ID), nil, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "screenings stored", `SELECT COUNT(*) FROM screening_results WHERE org_id = $1`, o.ID)
			}
		}},
		{route: "POST /orgs/{id}/screening/decision", want: staffOnly(s409), run: func(e *authzEnv, c cell) (*answer, func()) {
			// Nothing to decide: the organization was never screened.
			return e.do("POST", idPath("/orgs/%d/screening/decision", e.other.ID), url.Values{"decision": {"cleared"}, "reason": {"A different company."}}, c.actor), nil
		}},
		{route: "GET /admin/users", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/admin/users", nil, c.actor), nil
		}},
		{route: "POST /admin/users", want: byActor(toLogin, s403, s403, s403, s403, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// Only admins create accounts here (org admins manage theirs
			// through the API).
			email := fmt.Sprintf("made-%d@example.com", e.next())
			form := url.Values{"email": {email}, "name": {"Made User"}, "org_id": {strconv.FormatInt(e.own.ID, 10)}, "org_role": {"member"},
				"platform_role": {""}, "password": {"a long enough password"}}
			p := e.do("POST", "/admin/users", form, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "users stored", `SELECT COUNT(*) FROM users WHERE email = $1`, email)
			}
		}},
		{route: "GET /admin/orgs", want: staffOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/admin/orgs", nil, c.actor), nil
		}},
		{route: "POST /admin/orgs", want: staffOnly(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			name := "Made " + e.marker("o")
			p := e.do("POST", "/admin/orgs", url.Values{"name": {name}, "kind": {"startup"}, "country": {"JP"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "organizations stored", `SELECT COUNT(*) FROM organizations WHERE name = $1`, name)
			}
		}},
	}
}
