package web_test

import (
	"context"
	"net/url"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// researcher stores a profile at org for user (nil: none), linked to
// seeds. Its words share nothing with the fixture's needs, so that it is
// never one of their experts.
func (e *authzEnv) researcher(org int64, user *kakehashi.User, seeds ...int64) *kakehashi.Researcher {
	e.t.Helper()
	r := storetest.Researcher(org, "Person "+e.marker("r"))
	r.Bio, r.Keywords, r.Fields, r.Publications = "Works on "+e.marker("w")+".", []string{e.marker("w")}, nil, nil
	r.ListingIDs = seeds
	if user != nil {
		// A user has one profile: free the account for this one.
		if _, err := e.db.SQL().Exec(`UPDATE researchers SET user_id = NULL WHERE user_id = $1`, user.ID); err != nil {
			e.t.Fatal(err)
		}
		r.UserID = user.ID
	}
	if err := e.db.CreateResearcher(context.Background(), r, system); err != nil {
		e.t.Fatalf("create researcher: %v", err)
	}
	return r
}

// seed stores a seed of own in column col, closed unless a draft and with
// words of its own, so that it is nobody's match.
func (e *authzEnv) seed(col column, change ...func(*kakehashi.Listing)) *kakehashi.Listing {
	e.t.Helper()
	return e.need(e.own.ID, col, append([]func(*kakehashi.Listing){func(l *kakehashi.Listing) {
		l.Side, l.Kind = kakehashi.SideSeed, kakehashi.KindTechnology
		l.Title, l.Summary, l.Body = "Kit "+e.marker("t"), "Offered "+e.marker("s")+".", "Specs "+e.marker("b")+"."
		if l.Status != kakehashi.StatusDraft {
			l.Status = kakehashi.StatusClosed
		}
	}}, change...)...)
}

var researcherForm = url.Values{"name": {"Profile Person"}, "career_stage": {"mid_career"}, "bio": {"Batteries."}, "open_industry": {"1"}}

// researcherPageCases are the rows of researcher profiles and experts.
func researcherPageCases() []pageCase {
	return []pageCase{
		{route: "GET /researchers", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/researchers", nil, c.actor), nil
		}},
		{route: "GET /researchers/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/researchers/new", nil, c.actor), nil
		}},
		{route: "POST /researchers/new", note: "one's own profile", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			if u := e.userOf(c.actor); u != nil {
				if _, err := e.db.SQL().Exec(`UPDATE researchers SET user_id = NULL WHERE user_id = $1`, u.ID); err != nil {
					e.t.Fatal(err)
				}
			}
			name := "Posted person " + e.marker("r")
			form := url.Values{"mine": {"1"}}
			for k, v := range researcherForm {
				form[k] = v
			}
			form.Set("name", name)
			p := e.do("POST", "/researchers/new", form, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "profiles stored", `SELECT COUNT(*) FROM researchers WHERE name = $1`, name)
			}
		}},
		{route: "GET /researchers/{id}", perColumn: true, want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			s := e.seed(c.col)
			r := e.researcher(e.own.ID, nil, s.ID)
			p := e.do("GET", idPath("/researchers/%d", r.ID), nil, c.actor)
			return p, func() {
				// The person behind a confidential seed would name its owner.
				if linked := p.has(s.Title); linked != seesFull(c) {
					e.t.Errorf("the profile shows its %s seed: %v, want %v", c.col.name, linked, seesFull(c))
				}
			}
		}},
		{route: "GET /researchers/{id}/edit", want: byActor(toLogin, s403, s403, s200, s200, s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			r := e.researcher(e.own.ID, e.target)
			return e.do("GET", idPath("/researchers/%d/edit", r.ID), nil, c.actor), nil
		}},
		{route: "GET /researchers/{id}/edit", note: "one's own profile", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			owner := e.target
			if u := e.userOf(c.actor); u != nil {
				owner = u
			}
			r := e.researcher(owner.OrgID, owner)
			return e.do("GET", idPath("/researchers/%d/edit", r.ID), nil, c.actor), nil
		}},
		{route: "POST /researchers/{id}/edit", want: byActor(toLogin, s403, s403, s303, s303, s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			r := e.researcher(e.own.ID, e.target)
			form := url.Values{}
			for k, v := range researcherForm {
				form[k] = v
			}
			form.Set("name", "Renamed "+e.marker("r"))
			p := e.do("POST", idPath("/researchers/%d/edit", r.ID), form, c.actor)
			return p, func() {
				stored, err := e.db.Researcher(context.Background(), r.ID)
				if err != nil {
					e.t.Fatal(err)
				}
				if changed := stored.Name == form.Get("name"); changed != (p.wrote()) {
					e.t.Errorf("stored name %q after status %d", stored.Name, p.status)
				}
			}
		}},
		{route: "GET /listings/{id}/experts", perColumn: true, want: listingPage(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/listings/%d/experts", c.l.ID), nil, c.actor)
			return p, func() {
				if p.status != s200 {
					return
				}
				if !p.has(c.l.Title) {
					e.t.Errorf("the experts page lacks the need's title")
				}
				if !seesFull(c) {
					e.hidesOwner(p, e.own)
				}
			}
		}},
		{route: "GET /listings/{id}/experts", note: "an expert behind a seed of the column", perColumn: true, want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			// other's public need and own's seed share two words, and so
			// does own's researcher, who is linked to the seed: the
			// researcher is an expert for everyone, the seed shown beside
			// them only to those who may know its owner.
			w1, w2 := e.marker("v"), e.marker("v")
			need := e.need(e.other.ID, colPublic, func(l *kakehashi.Listing) {
				l.Title, l.Summary, l.Body = "Wanted "+w1, w1+" "+w2, ""
			})
			s := e.seed(c.col, func(l *kakehashi.Listing) {
				l.Title, l.Summary, l.Body = "Kit "+e.marker("t"), w1+" "+w2, ""
			})
			r := e.researcher(e.own.ID, nil, s.ID)
			r.Bio, r.Keywords = w1+" "+w2, []string{w1}
			if err := e.db.UpdateResearcher(context.Background(), r, system); err != nil {
				e.t.Fatal(err)
			}
			e.index()
			p := e.do("GET", idPath("/listings/%d/experts", need.ID), nil, c.actor)
			return p, func() {
				if !p.has(quoted("/researchers/%d", r.ID)) {
					e.t.Fatalf("own's researcher is not an expert for the need: %.1500s", textOf(p.body))
				}
				if shown := p.has(quoted("/listings/%d", s.ID)); shown != seesFull(c) {
					e.t.Errorf("the expert's %s seed shown: %v, want %v", c.col.name, shown, seesFull(c))
				}
			}
		}},
		{route: "GET /listings/{id}/experts", note: "a seed", want: all(s404), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/listings/%d/experts", e.seed(colPublic).ID), nil, c.actor), nil
		}},
	}
}
