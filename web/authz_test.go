package web_test

// The pages' authorization matrix, as httpapi/authz_test.go is the API's:
// every route web.New serves × six callers (× the visibility of the listing
// the route is about, where it is about one), with the outcome each must
// get — the page, a redirect to sign in, 404 for what the caller may not
// see, 403 for what they see but may not do, never a 500 — and checks that
// a refused write changed nothing. The routes come from the router itself:
// a route served without a row fails the test, naming it. Every answer is
// also searched for the fixture's secrets (a draft's title, a confidential
// listing's body, a private consortium's name…) that the caller may not
// read, whatever the page.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testclock"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/web"
)

func TestPageAuthorization(t *testing.T) {
	e := newAuthzEnv(t)
	t.Run("EveryRouteInMatrix", func(t *testing.T) { testMatrixCoversRoutes(t, e.with(t)) })
	t.Run("Matrix", func(t *testing.T) { testPageMatrix(t, e.with(t)) })
	t.Run("FragmentRequests", func(t *testing.T) { testFragmentRequests(t, e.with(t)) })
	t.Run("MalformedIDs", func(t *testing.T) { testMalformedIDs(t, e.with(t)) })
	t.Run("CrossOriginWrites", func(t *testing.T) { testCrossOriginWrites(t, e.with(t)) })
	// Whatever failed, no page may have logged an error (a 500, a section
	// left out because it failed).
	e.errs.check(t)
}

// ---- Callers and cells ---------------------------------------------------------

// actorID names one of the six callers of the matrix.
type actorID int

const (
	anonymous actorID = iota
	otherMember
	ownerMember
	ownerAdmin
	coordinator
	admin
)

var actorIDs = []actorID{anonymous, otherMember, ownerMember, ownerAdmin, coordinator, admin}

func (a actorID) String() string {
	return [...]string{"anonymous", "other-member", "owner-member", "owner-admin", "coordinator", "admin"}[a]
}

// column is the listing dimension of the matrix: the three visibilities of
// an open listing, and a draft (public, which makes its hiding the rule's
// work, not the visibility's).
type column struct {
	name   string
	vis    kakehashi.Visibility
	status kakehashi.Status
}

var (
	colPublic       = column{"public", kakehashi.VisibilityPublic, kakehashi.StatusOpen}
	colMembers      = column{"members", kakehashi.VisibilityMembers, kakehashi.StatusOpen}
	colConfidential = column{"confidential", kakehashi.VisibilityConfidential, kakehashi.StatusOpen}
	colDraft        = column{"draft", kakehashi.VisibilityPublic, kakehashi.StatusDraft}
	columns         = []column{colPublic, colMembers, colConfidential, colDraft}
)

// cell is one combination of caller and, for the rows about a listing,
// column.
type cell struct {
	actor actorID
	col   column
	// l is the owner organization's base need of column col (nil for rows
	// without the listing dimension).
	l *kakehashi.Listing
}

// ownerSideOrStaff reports whether a speaks for the owner organization or
// is platform staff.
func ownerSideOrStaff(a actorID) bool {
	return a == ownerMember || a == ownerAdmin || a == coordinator || a == admin
}

// seesListing says whether the caller may know that the owner
// organization's listing of the cell's column exists: written out here, not
// asked of kakehashi.CanSeeListing, which is under test.
func seesListing(c cell) bool {
	if ownerSideOrStaff(c.actor) {
		return true
	}
	switch c.col {
	case colPublic:
		return true
	case colMembers, colConfidential:
		return c.actor != anonymous
	}
	return false
}

// seesFull says whether the caller may read the listing's owner and body.
func seesFull(c cell) bool {
	if c.col == colConfidential {
		return ownerSideOrStaff(c.actor)
	}
	return seesListing(c)
}

// ---- Wants ----------------------------------------------------------------------

// toLogin is the outcome of a signed-in page for an anonymous visitor: 303
// to the sign-in page, which sends them back to the page they asked for.
const toLogin = 1

const (
	s200 = http.StatusOK
	s303 = http.StatusSeeOther
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s409 = http.StatusConflict
	s422 = http.StatusUnprocessableEntity
)

func byActor(anon, other, member, orgAdmin, coord, adm int) func(cell) int {
	s := map[actorID]int{anonymous: anon, otherMember: other, ownerMember: member, ownerAdmin: orgAdmin, coordinator: coord, admin: adm}
	return func(c cell) int { return s[c.actor] }
}

func all(status int) func(cell) int { return func(cell) int { return status } }

// signedIn is the want of pages any signed-in caller may use.
func signedIn(status int) func(cell) int {
	return byActor(toLogin, status, status, status, status, status)
}

// staffOnly is the want of the coordinators' and admins' pages.
func staffOnly(status int) func(cell) int { return byActor(toLogin, s403, s403, s403, status, status) }

// ownerSide is the want of what the owner organization and staff do on a
// thing everyone sees.
func ownerSide(status int) func(cell) int {
	return byActor(toLogin, s403, status, status, status, status)
}

// partiesOnly is the want of what the parties to something of the owner
// organization's (an introduction, a submitted proposal) and staff see:
// other members learn nothing.
func partiesOnly(status int) func(cell) int {
	return byActor(toLogin, s404, status, status, status, status)
}

// listingPage is the want of public pages about the cell's listing.
func listingPage(status int) func(cell) int {
	return func(c cell) int {
		if !seesListing(c) {
			return s404
		}
		return status
	}
}

// signedInListing is the want of signed-in pages about the cell's listing.
func signedInListing(status int) func(cell) int {
	return func(c cell) int {
		if c.actor == anonymous {
			return toLogin
		}
		return listingPage(status)(c)
	}
}

// ---- Rows -------------------------------------------------------------------

// pageCase is one row of the matrix: a route as web.New registers it, the
// outcome each cell must get, and how to ask. run returns the answer and,
// optionally, checks to make once the status is right (on the stored
// state, on the page).
type pageCase struct {
	route string
	note  string // tells apart rows of one route
	// perColumn runs the row for every column (the route is about a
	// listing, or about something that follows one's visibility).
	perColumn bool
	want      func(c cell) int
	run       func(e *authzEnv, c cell) (*answer, func())
}

func (pc pageCase) name() string {
	if pc.note == "" {
		return pc.route
	}
	return pc.route + " (" + pc.note + ")"
}

func pageCases() []pageCase {
	return slices.Concat(corePageCases(), pipelinePageCases(), notifyPageCases(), adminPageCases(),
		callPageCases(), eventPageCases(), researcherPageCases(), consortiumPageCases(), fundingPageCases())
}

// testMatrixCoversRoutes checks that the matrix has a row for every route
// the pages serve, and no row for a route they do not.
func testMatrixCoversRoutes(t *testing.T, e *authzEnv) {
	served := e.pages.Routes()
	if len(served) < 50 {
		t.Fatalf("only %d routes served: %v", len(served), served)
	}
	inMatrix := map[string]bool{}
	for _, pc := range pageCases() {
		inMatrix[pc.route] = true
		if !slices.Contains(served, pc.route) {
			t.Errorf("matrix row %q is not a route the pages serve", pc.name())
		}
	}
	for _, r := range served {
		if !inMatrix[r] {
			t.Errorf("route %q has no row in the pages' authorization matrix (web/authz_test.go)", r)
		}
	}
}

func testPageMatrix(t *testing.T, e *authzEnv) {
	var cells atomic.Int64
	for _, pc := range pageCases() {
		t.Run(pc.name(), func(t *testing.T) {
			// Rows write only what they create themselves: they may run
			// side by side.
			t.Parallel()
			cols := []column{{}}
			if pc.perColumn {
				cols = columns
			}
			for _, a := range actorIDs {
				for _, col := range cols {
					name := a.String()
					if pc.perColumn {
						name += "/" + col.name
					}
					t.Run(name, func(t *testing.T) {
						cells.Add(1)
						c := cell{actor: a, col: col}
						if pc.perColumn {
							c.l = e.needs[col.name]
						}
						want := pc.want(c)
						p, after := pc.run(e.with(t), c)
						if p.route != pc.route {
							t.Fatalf("%s %s is served by %q, not by the row's route %q", p.method, p.path, p.route, pc.route)
						}
						p.wantOutcome(t, want)
						if after != nil {
							after()
						}
					})
				}
			}
		})
	}
	t.Cleanup(func() { t.Logf("%d matrix cells", cells.Load()) })
}

// testFragmentRequests asks pages as htmx does for a part of one (the
// HX-Target header), naming each template the pages define: a part a page
// does not serve alone gets the whole page, and no name is a 500.
func testFragmentRequests(t *testing.T, e *authzEnv) {
	pages := []struct {
		path string
		a    actorID
	}{
		{"/", anonymous}, {"/search?q=need", otherMember}, {idPath("/listings/%d", e.needs["public"].ID), ownerMember},
		{idPath("/orgs/%d", e.own.ID), coordinator}, {idPath("/introductions/%d", e.intros["public"].ID), ownerMember},
		{idPath("/consortia/%d", e.consortium.ID), ownerAdmin}, {"/dashboard", ownerMember}, {idPath("/calls/%d", e.call.ID), ownerMember},
		{idPath("/proposals/%d", e.proposal.ID), admin}, {idPath("/events/%d", e.fair.ID), admin}, {"/funding", anonymous},
		{idPath("/listings/%d/experts", e.needs["public"].ID), anonymous}, {"/researchers", anonymous},
	}
	names := e.pages.Defines()
	if len(names) < 10 {
		t.Fatalf("only %d templates defined: %v", len(names), names)
	}
	for _, p := range pages {
		whole := e.do("GET", p.path, nil, p.a)
		if whole.status != s200 {
			t.Fatalf("GET %s as %s: status %d", p.path, p.a, whole.status)
		}
		for _, name := range names {
			part := e.request("GET", p.path, nil, p.a, "", map[string]string{"HX-Request": "true", "HX-Target": name})
			if part.status != s200 {
				t.Errorf("GET %s as %s for the part %q: status %d, want 200: %.200s", p.path, p.a, name, part.status, textOf(part.body))
			}
		}
	}
}

var pathParam = regexp.MustCompile(`\{[a-z]+\}`)

// testMalformedIDs asks every route with parameters for ids that cannot
// exist (not a number, zero, negative, too large): nothing is found, even
// by an admin, and anonymous visitors of signed-in pages are sent to sign
// in first; never a 500.
func testMalformedIDs(t *testing.T, e *authzEnv) {
	for _, route := range e.pages.Routes() {
		method, pattern, ok := strings.Cut(route, " ")
		if !ok || !pathParam.MatchString(pattern) {
			continue
		}
		for _, junk := range []string{"x", "0", "-1", "99999999999999999999"} {
			path := pathParam.ReplaceAllString(pattern, junk)
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{}
			}
			for _, a := range []actorID{anonymous, admin} {
				p := e.do(method, path, form, a)
				switch {
				case p.route != route:
					t.Errorf("%s %s is served by %q, not %q", method, path, p.route, route)
				case p.status == s404:
				case a == anonymous && p.status == s303 && strings.HasPrefix(p.location(), "/login?next="):
				default:
					t.Errorf("%s %s as %s: status %d (location %q), want 404: %.200s", method, path, a, p.status, p.location(), textOf(p.body))
				}
			}
		}
	}
}

// testCrossOriginWrites posts to every POST route from another site, as a
// browser tricked into it would (Sec-Fetch-Site, or only Origin for older
// browsers), with an admin's session: refused before any page handles it.
func testCrossOriginWrites(t *testing.T, e *authzEnv) {
	posts := 0
	for _, route := range e.pages.Routes() {
		path, ok := strings.CutPrefix(route, "POST ")
		if !ok {
			continue
		}
		posts++
		path = pathParam.ReplaceAllString(path, "1")
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
		} {
			p := e.request("POST", path, url.Values{"title": {"Cross-site"}}, admin, "", h)
			if p.status != s403 || !strings.Contains(p.body, "cross-origin request refused") {
				t.Errorf("POST %s from another site (%v): status %d, want 403 from the cross-origin check: %.200s", path, h, p.status, p.body)
			}
		}
	}
	if posts < 40 {
		t.Errorf("only %d POST routes", posts)
	}
}

// ---- Answers ------------------------------------------------------------------

// answer is what the pages answer to a request.
type answer struct {
	method, path string
	// route is the pattern that served the request.
	route  string
	status int
	header http.Header
	body   string
}

func (p *answer) location() string { return p.header.Get("Location") }

// wrote reports whether a form post succeeded: a redirect, not to sign in.
func (p *answer) wrote() bool { return p.status == s303 && !strings.HasPrefix(p.location(), "/login") }

// wantOutcome checks the status (toLogin: the redirect to sign in, back to
// this page).
func (p *answer) wantOutcome(t *testing.T, want int) {
	t.Helper()
	if want == toLogin {
		loc := p.location()
		if p.status != s303 || loc != "/login?next="+url.QueryEscape(p.path) {
			t.Fatalf("%s %s: status %d to %q, want 303 to sign in and come back; body: %.300s", p.method, p.path, p.status, loc, p.body)
		}
		return
	}
	if p.status != want {
		t.Fatalf("%s %s: status %d (location %q), want %d; body: %.600s", p.method, p.path, p.status, p.location(), want, textOf(p.body))
	}
	if want == s303 && strings.HasPrefix(p.location(), "/login") {
		t.Fatalf("%s %s: sent to sign in (%s), want the page's own redirect", p.method, p.path, p.location())
	}
}

// has reports whether the page shows s.
func (p *answer) has(s string) bool { return strings.Contains(p.body, s) }

var markupPattern = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)

// textOf is an HTML page's text, for failure messages.
func textOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	return strings.Join(strings.Fields(markupPattern.ReplaceAllString(body, " ")), " ")
}

// ---- The environment ----------------------------------------------------------

// authzEnv is the application over a small fixture of its own, on SQLite:
// organization own (the owner of everything the rows are about), other
// (otherMember's), third (which asks and proposes, so that otherMember is
// no party) and a funder; the six callers, signed in through the sign-in
// page; and the base objects below, which rows read but never change.
type authzEnv struct {
	t      *testing.T
	db     *sqlstore.DB
	srv    *httptest.Server
	client *http.Client
	pages  *web.Handler
	engine *search.Engine
	// indexMu keeps one catch-up of the search index at a time.
	indexMu *sync.Mutex
	seq     *atomic.Int64
	errs    *errorLog
	// now is the clock every layer reads.
	now func() time.Time

	own, other, third, funder *kakehashi.Organization
	actors                    map[actorID]*authzActor
	// target is a plain member of own who is none of the callers; asker
	// is third's member, who asks and proposes.
	target, asker *kakehashi.User

	// needs are own's base needs by column; intros third's interest in
	// each (the draft's listing withdrawn to a draft after it). requested
	// are otherMember's interests in own's listings of each column, in
	// requestedListings.
	needs             map[string]*kakehashi.Listing
	intros            map[string]*kakehashi.Introduction
	requested         map[string]*kakehashi.Introduction
	requestedListings map[string]*kakehashi.Listing
	// call is own's call with third's submitted proposal; draftCall has
	// third's draft.
	call, draftCall         *kakehashi.Call
	proposal, draftProposal *kakehashi.Proposal
	// event is own's open event, draftEvent a draft one, fair an online
	// fair where target exhibits every base need.
	event, draftEvent, fair *kakehashi.Event
	// consortium is own's public consortium, privateConsortium a private one.
	consortium, privateConsortium *kakehashi.Consortium
	hook, otherHook               *kakehashi.Webhook
	funding                       *kakehashi.FundingCall
	// hidden is an organization that owns only confidential needs, which
	// other-member asked about (one interest open, one declined): nobody
	// but its side and staff may learn its name from any page the matrix
	// asks for (it never asks for the organization's own page).
	hidden *kakehashi.Organization

	// secrets are texts of the fixture that some callers may read on no page.
	secrets []secret
}

// authzActor is a seeded caller with its session.
type authzActor struct {
	user     *kakehashi.User
	password string
	session  string
}

// secret is a text that the callers in hiddenFrom must not find in any answer.
type secret struct {
	text, what string
	hiddenFrom []actorID
}

// system is the actor of the fixture's writes.
var system = kakehashi.SystemActor("authz test")

// with returns a copy of e whose helpers report to t.
func (e *authzEnv) with(t *testing.T) *authzEnv {
	c := *e
	c.t = t
	return &c
}

// next returns a number unique within the env.
func (e *authzEnv) next() int64 { return e.seq.Add(1) }

// errorLog collects what the application logs at error level: a page that
// failed, a section left out because it failed, a 500.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, b.String())
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		t.Errorf("logged error: %s", m)
	}
}

// newAuthzEnv wires the application as cmd/kakehashi serve does (the API's
// authentication and cross-origin protection in front of the pages) on a
// fresh SQLite store, and seeds it.
func newAuthzEnv(t *testing.T) *authzEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "kakehashi.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = testclock.Now
	clock := func() time.Time { return db.Now() }
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	errs := &errorLog{}
	logger := slog.New(errs)
	e := &authzEnv{t: t, db: db, indexMu: &sync.Mutex{}, seq: &atomic.Int64{}, errs: errs, now: clock, actors: map[actorID]*authzActor{}}
	e.populate()

	e.engine = search.New(sharedAnalyzer(t), db, search.Options{Now: clock, Logger: logger})
	if err := e.engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	e.index()
	screen := compliance.New(db, compliance.Config{})
	api := httpapi.New(db, logger, metrics.NewRegistry(), httpapi.Config{Now: clock, Passwords: fastPasswords, Search: e.engine, Screening: screen})
	if e.pages, err = web.New(db, e.engine, api, logger); err != nil {
		t.Fatal(err)
	}
	e.pages.SetClock(clock)
	e.pages.SetIntroducer(screen.CreateIntroduction)
	e.pages.SetScreener(screen.Screen)
	e.pages.SetChecker(screen.Check)
	e.srv = httptest.NewServer(api.Handler(e.pages))
	t.Cleanup(e.srv.Close)
	e.client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, a := range actorIDs[1:] {
		e.actors[a].session = e.signIn(e.actors[a].user.Email, e.actors[a].password)
	}
	return e
}

// index brings the search index up to date with the store.
func (e *authzEnv) index() {
	e.t.Helper()
	e.indexMu.Lock()
	defer e.indexMu.Unlock()
	if _, err := e.engine.CatchUp(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// signIn signs in through the sign-in page and returns the session.
func (e *authzEnv) signIn(email, password string) string {
	e.t.Helper()
	p := e.do("POST", "/login", url.Values{"email": {email}, "password": {password}}, anonymous)
	if p.status != s303 || p.location() != "/dashboard" {
		e.t.Fatalf("sign in %s: status %d to %q: %.300s", email, p.status, p.location(), textOf(p.body))
	}
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == httpapi.SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	e.t.Fatalf("sign in %s: no session cookie in %v", email, p.header)
	return ""
}

// do asks the pages as caller a; form, when not nil, is posted. Writes come
// from the site's own pages, as a browser sends them (same origin).
func (e *authzEnv) do(method, path string, form url.Values, a actorID) *answer {
	return e.doWith(method, path, form, a, "")
}

// doWith is do with the session given (session "" is a's own).
func (e *authzEnv) doWith(method, path string, form url.Values, a actorID, session string) *answer {
	e.t.Helper()
	return e.request(method, path, form, a, session, nil)
}

// request is doWith with more headers (an empty value removes one).
func (e *authzEnv) request(method, path string, form url.Values, a actorID, session string, header map[string]string) *answer {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", e.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if session == "" && a != anonymous {
		session = e.actors[a].session
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	p := &answer{method: method, path: path, route: e.pages.RouteOf(req)}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	p.status, p.header, p.body = resp.StatusCode, resp.Header, string(b)
	e.checkSecrets(p, a)
	return p
}

// checkSecrets fails the test if p shows a secret that caller a may not read.
func (e *authzEnv) checkSecrets(p *answer, a actorID) {
	e.t.Helper()
	for _, s := range e.secrets {
		if slices.Contains(s.hiddenFrom, a) && p.has(s.text) {
			e.t.Errorf("%s %s as %s (status %d) shows %s (%q)", p.method, p.path, a, p.status, s.what, s.text)
		}
	}
}

// count returns the result of a COUNT(*) query.
func (e *authzEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantCount fails the test unless query counts want.
func (e *authzEnv) wantCount(want int, what, query string, args ...any) {
	e.t.Helper()
	if n := e.count(query, args...); n != want {
		e.t.Errorf("%s: %d, want %d", what, n, want)
	}
}

// one is 1 when ok, else 0: the count a write leaves when it was allowed.
func one(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// userOf returns caller a's account, nil for anonymous.
func (e *authzEnv) userOf(a actorID) *kakehashi.User {
	if a == anonymous {
		return nil
	}
	return e.actors[a].user
}

// days is a date n days after the clock's now, as the forms write dates.
func (e *authzEnv) days(n int) string { return e.now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }

// ---- The fixture ----------------------------------------------------------------

func (e *authzEnv) org(name, local, country string, kind kakehashi.OrgKind) *kakehashi.Organization {
	e.t.Helper()
	o := storetest.Org(fmt.Sprintf("authz-%d", e.next()), country)
	o.Name, o.LocalName, o.Kind, o.Aliases = name, local, kind, nil
	if err := e.db.CreateOrganization(context.Background(), o, system); err != nil {
		e.t.Fatalf("create organization %s: %v", name, err)
	}
	return o
}

// user stores an account; pw "" leaves it without a password.
func (e *authzEnv) user(name string, org int64, role kakehashi.OrgRole, pr kakehashi.PlatformRole, pw string) *kakehashi.User {
	e.t.Helper()
	u := &kakehashi.User{Email: fmt.Sprintf("%s-%d@example.com", strings.ToLower(strings.ReplaceAll(name, " ", "-")), e.next()),
		Name: name, OrgID: org, OrgRole: role, PlatformRole: pr}
	if pw != "" {
		h, err := auth.HashPassword(pw, fastPasswords)
		if err != nil {
			e.t.Fatal(err)
		}
		u.PasswordHash = h
	}
	if err := e.db.CreateUser(context.Background(), u, system); err != nil {
		e.t.Fatalf("create user %s: %v", u.Email, err)
	}
	return u
}

// marker is a word that appears nowhere but where the fixture puts it.
func (e *authzEnv) marker(kind string) string {
	n := e.next()
	b := make([]byte, 5) // fixed width: no marker is the start of another
	for i := range b {
		b[i] = byte('a' + n%26)
		n /= 26
	}
	return "zqx" + kind + string(b)
}

// need stores a need of org in column col. Its title is "Need" and two
// markers, its body "Details" and two more: the first of each is a secret
// (see keep), the second a word to search for, which the search page
// repeats in its search box.
func (e *authzEnv) need(org int64, col column, change ...func(*kakehashi.Listing)) *kakehashi.Listing {
	e.t.Helper()
	l := &kakehashi.Listing{Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, OrgID: org,
		Title: "Need " + e.marker("t") + " " + e.marker("u"), Summary: "Partners wanted for " + e.marker("s") + ".",
		Body:     "Details " + e.marker("b") + " " + e.marker("c") + ".",
		Language: "en", TRL: 4, IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: col.vis, Status: col.status}
	for _, f := range change {
		f(l)
	}
	if err := e.db.CreateListing(context.Background(), l, system); err != nil {
		e.t.Fatalf("create listing: %v", err)
	}
	return l
}

// withdraw turns listing l into a draft.
func (e *authzEnv) withdraw(l *kakehashi.Listing) {
	e.t.Helper()
	l.Status = kakehashi.StatusDraft
	if err := e.db.UpdateListing(context.Background(), l, system); err != nil {
		e.t.Fatalf("withdraw listing %d: %v", l.ID, err)
	}
}

// interest stores u's interest in l, with a marker in its message.
func (e *authzEnv) interest(l *kakehashi.Listing, u *kakehashi.User) *kakehashi.Introduction {
	e.t.Helper()
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: "Interested: " + e.marker("m") + "."}
	if err := e.db.CreateIntroduction(context.Background(), in, u); err != nil {
		e.t.Fatalf("create introduction: %v", err)
	}
	return in
}

// introIn stores the asker's interest in a new need of own in column col
// (withdrawn to a draft afterwards for the draft column).
func (e *authzEnv) introIn(col column) *kakehashi.Introduction {
	e.t.Helper()
	open := col
	open.status = kakehashi.StatusOpen
	l := e.need(e.own.ID, open)
	in := e.interest(l, e.asker)
	if col.status == kakehashi.StatusDraft {
		e.withdraw(l)
	}
	return in
}

// notReaders lists the callers who may not read the title (or, with body,
// the body) of a listing of own in column col.
func notReaders(col column, body bool) []actorID {
	var out []actorID
	for _, a := range actorIDs {
		c := cell{actor: a, col: col}
		if body && !seesFull(c) || !body && !seesListing(c) {
			out = append(out, a)
		}
	}
	return out
}

// keep adds a listing's title and body markers to the secrets.
func (e *authzEnv) keep(l *kakehashi.Listing, col column, what string) {
	e.secrets = append(e.secrets,
		secret{strings.Fields(l.Title)[1], what + " title", notReaders(col, false)},
		secret{strings.Fields(l.Body)[1], what + " body", notReaders(col, true)})
}

// populate stores the base objects of the env and records their secrets.
func (e *authzEnv) populate() {
	t := e.t
	t.Helper()
	ctx := context.Background()
	e.own = e.org("Kirameki Ownerco", "煌めき所有社", "JP", kakehashi.OrgCompany)
	e.other = e.org("Otherwise Labs", "他所研究所", "US", kakehashi.OrgUniversity)
	e.third = e.org("Thirdway Institute", "第三研究所", "GB", kakehashi.OrgUniversity)
	e.funder = e.org("Fundwell Foundation", "基金財団", "JP", kakehashi.OrgFunder)
	for _, a := range []struct {
		id   actorID
		name string
		org  int64
		role kakehashi.OrgRole
		pr   kakehashi.PlatformRole
	}{
		{otherMember, "Olive Other", e.other.ID, kakehashi.RoleMember, kakehashi.PlatformNone},
		{ownerMember, "Mina Member", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone},
		{ownerAdmin, "Oda Admin", e.own.ID, kakehashi.RoleOrgAdmin, kakehashi.PlatformNone},
		{coordinator, "Cora Coordinator", 0, "", kakehashi.PlatformCoordinator},
		{admin, "Ada Admin", 0, "", kakehashi.PlatformAdmin},
	} {
		pw := "password of " + a.id.String()
		e.actors[a.id] = &authzActor{user: e.user(a.name, a.org, a.role, a.pr, pw), password: pw}
	}
	e.target = e.user("Tara Target", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of target")
	e.asker = e.user("Tom Third", e.third.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of asker")

	e.needs, e.intros = map[string]*kakehashi.Listing{}, map[string]*kakehashi.Introduction{}
	e.requested, e.requestedListings = map[string]*kakehashi.Introduction{}, map[string]*kakehashi.Listing{}
	for _, col := range columns {
		in := e.introIn(col)
		l, err := e.db.Listing(ctx, in.ListingID)
		if err != nil {
			t.Fatal(err)
		}
		e.needs[col.name], e.intros[col.name] = l, in
		e.keep(l, col, col.name+" need")
		e.secrets = append(e.secrets, secret{strings.TrimSuffix(strings.TrimPrefix(in.Message, "Interested: "), "."),
			"third's interest in the " + col.name + " need", []actorID{anonymous, otherMember}})

		open := col
		open.status = kakehashi.StatusOpen
		rl := e.need(e.own.ID, open)
		ri := e.interest(rl, e.actors[otherMember].user)
		if col.status == kakehashi.StatusDraft {
			e.withdraw(rl)
		}
		e.requested[col.name], e.requestedListings[col.name] = ri, rl
		// otherMember asked: the listing's title stays theirs to read in
		// their introduction only while they may see it; its body as any.
		e.keep(rl, col, col.name+" listing other-member asked about")
		e.secrets = append(e.secrets, secret{strings.TrimSuffix(strings.TrimPrefix(ri.Message, "Interested: "), "."),
			"other-member's interest in the " + col.name + " listing", []actorID{anonymous}})
	}

	deadline := e.now().Add(120 * 24 * time.Hour).UTC().Truncate(time.Second)
	e.call = e.newCall(deadline)
	e.proposal = e.newProposal(e.call, true)
	e.secrets = append(e.secrets, secret{e.proposal.Summary, "third's submitted proposal", []actorID{anonymous, otherMember}})
	e.draftCall = e.newCall(deadline)
	e.draftProposal = e.newProposal(e.draftCall, false)
	e.secrets = append(e.secrets, secret{e.draftProposal.Summary, "third's draft proposal", []actorID{anonymous, otherMember, ownerMember, ownerAdmin}})

	e.event = e.newEvent(e.own.ID, kakehashi.EventOpen, false)
	// At own's event the asker, registered with a profile, asked target
	// to meet: organizers see both, other visitors neither.
	from := &kakehashi.Participant{EventID: e.event.ID, Profile: "Profile " + e.marker("f")}
	if err := e.db.Register(ctx, from, e.asker); err != nil {
		t.Fatal(err)
	}
	to := e.join(e.event, e.target)
	req := &kakehashi.MeetingRequest{FromID: from.ID, ToID: to.ID, Reason: "Reason " + e.marker("q")}
	if err := e.db.CreateMeetingRequest(ctx, req, e.asker); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets,
		secret{strings.TrimPrefix(from.Profile, "Profile "), "a participant's profile", []actorID{anonymous, otherMember}},
		secret{strings.TrimPrefix(req.Reason, "Reason "), "a meeting request between others", []actorID{anonymous, otherMember}})
	e.draftEvent = e.newEvent(e.own.ID, kakehashi.EventDraft, false)
	e.secrets = append(e.secrets, secret{strings.TrimPrefix(e.draftEvent.Name, "Event "), "own's draft event", []actorID{anonymous, otherMember}})
	e.fair = e.newEvent(e.own.ID, kakehashi.EventOpen, true)
	var exhibited []int64
	for _, col := range columns {
		exhibited = append(exhibited, e.needs[col.name].ID)
	}
	e.join(e.fair, e.target, exhibited...)

	e.consortium = e.newConsortium(true)
	e.privateConsortium = e.newConsortium(false)
	e.secrets = append(e.secrets, secret{strings.TrimPrefix(e.privateConsortium.Title, "Consortium "), "own's private consortium", []actorID{anonymous, otherMember}})

	e.hook, e.otherHook = e.webhook(e.own.ID), e.webhook(e.other.ID)
	e.secrets = append(e.secrets, secret{e.hook.URL, "own's webhook", []actorID{anonymous, otherMember, ownerMember, coordinator}})
	e.funding = e.newFundingCall()

	e.hidden = e.org("Hushwell Works", "秘密工房", "DE", kakehashi.OrgCompany)
	e.secrets = append(e.secrets,
		secret{e.hidden.Name, "the owner of confidential needs", []actorID{anonymous, otherMember}},
		secret{e.hidden.LocalName, "the owner of confidential needs", []actorID{anonymous, otherMember}},
		secret{idPath(`"/orgs/%d"`, e.hidden.ID), "a link to the owner of confidential needs", []actorID{anonymous, otherMember}})
	e.interest(e.need(e.hidden.ID, colConfidential), e.actors[otherMember].user)
	declined := e.interest(e.need(e.hidden.ID, colConfidential), e.actors[otherMember].user)
	if _, err := e.db.Transition(ctx, declined.ID, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined,
		Reason: kakehashi.Reasons[0], ReasonText: "Not now."}, system); err != nil {
		t.Fatalf("decline: %v", err)
	}
}

// ---- Fixture objects the rows make for themselves --------------------------------

// newCall stores a call of own open to anyone until deadline.
func (e *authzEnv) newCall(deadline time.Time) *kakehashi.Call {
	e.t.Helper()
	c := storetest.Call(e.own.ID, deadline)
	c.EligibleKinds, c.EligibleCountries = nil, nil
	c.Theme = "Call " + e.marker("c")
	if err := e.db.CreateCall(context.Background(), c, system); err != nil {
		e.t.Fatalf("create call: %v", err)
	}
	return c
}

// newProposal stores the asker's proposal to c, submitted when submit.
func (e *authzEnv) newProposal(c *kakehashi.Call, submit bool) *kakehashi.Proposal {
	e.t.Helper()
	ctx := context.Background()
	p := storetest.Proposal(c.ID)
	p.Summary = "Proposal " + e.marker("p")
	if err := e.db.CreateProposal(ctx, p, e.asker); err != nil {
		e.t.Fatalf("create proposal: %v", err)
	}
	if submit {
		sp, err := e.db.SubmitProposal(ctx, p.ID, e.asker)
		if err != nil {
			e.t.Fatalf("submit proposal: %v", err)
		}
		p = sp
	}
	return p
}

// newEvent stores an event of org, a month from now.
func (e *authzEnv) newEvent(org int64, status kakehashi.EventStatus, online bool) *kakehashi.Event {
	e.t.Helper()
	ev := &kakehashi.Event{OrgID: org, Name: "Event " + e.marker("e"), Status: status, Online: online, Venue: "Hall A",
		TimeZone: "Asia/Tokyo", StartDate: e.days(30), EndDate: e.days(30), DayStart: "09:00", DayEnd: "11:00", MeetingMinutes: 30, Tables: 2}
	if err := e.db.CreateEvent(context.Background(), ev, system); err != nil {
		e.t.Fatalf("create event: %v", err)
	}
	return ev
}

// join registers u for ev with the given listings.
func (e *authzEnv) join(ev *kakehashi.Event, u *kakehashi.User, listings ...int64) *kakehashi.Participant {
	e.t.Helper()
	p := &kakehashi.Participant{EventID: ev.ID, Profile: "Profile of " + u.Name, ListingIDs: listings}
	if err := e.db.Register(context.Background(), p, u); err != nil {
		e.t.Fatalf("register %s: %v", u.Email, err)
	}
	return p
}

// meeting stores an open event of org where from asked to meet to and was
// accepted, scheduled in slot 0 at table 0.
func (e *authzEnv) meeting(org int64, from, to *kakehashi.User, toListings ...int64) (*kakehashi.Event, *kakehashi.Meeting) {
	e.t.Helper()
	ctx := context.Background()
	ev := e.newEvent(org, kakehashi.EventOpen, false)
	a, b := e.join(ev, from), e.join(ev, to, toListings...)
	r := &kakehashi.MeetingRequest{FromID: a.ID, ToID: b.ID, Reason: "To talk"}
	if err := e.db.CreateMeetingRequest(ctx, r, from); err != nil {
		e.t.Fatalf("request: %v", err)
	}
	if _, err := e.db.DecideMeetingRequest(ctx, r.ID, true, to); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SaveSchedule(ctx, ev.ID, []*kakehashi.Meeting{{RequestID: r.ID}}, system); err != nil {
		e.t.Fatal(err)
	}
	ms, err := e.db.Meetings(ctx, ev.ID)
	if err != nil || len(ms) != 1 {
		e.t.Fatalf("meetings %v, %v", ms, err)
	}
	return ev, ms[0]
}

// newConsortium stores a consortium led by own.
func (e *authzEnv) newConsortium(public bool) *kakehashi.Consortium {
	e.t.Helper()
	c := storetest.Consortium(e.own.ID)
	c.Title, c.TitleJA, c.Public = "Consortium "+e.marker("k"), "", public
	if err := e.db.CreateConsortium(context.Background(), c, system); err != nil {
		e.t.Fatalf("create consortium: %v", err)
	}
	return c
}

// webhook stores a webhook of organization org.
func (e *authzEnv) webhook(org int64) *kakehashi.Webhook {
	e.t.Helper()
	w := &kakehashi.Webhook{OrgID: org, URL: "https://hooks.example/" + e.marker("h"), Events: kakehashi.WebhookEvents()}
	if err := e.db.CreateWebhook(context.Background(), w, system); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// newFundingCall stores a funding call of the funder, open for four months.
func (e *authzEnv) newFundingCall() *kakehashi.FundingCall {
	e.t.Helper()
	f := storetest.FundingCall(e.funder.ID, e.now().Add(120*24*time.Hour).UTC().Truncate(time.Second))
	f.Programme = "Grant " + e.marker("g")
	if err := e.db.CreateFundingCall(context.Background(), f, system); err != nil {
		e.t.Fatalf("create funding call: %v", err)
	}
	return f
}

// ---- Small helpers of the rows -------------------------------------------------------

func idPath(format string, ids ...int64) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return fmt.Sprintf(format, args...)
}

// idAfter returns the id in a redirect such as /introductions/12?sent=1.
func idAfter(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	rest, ok := strings.CutPrefix(loc, prefix)
	if !ok {
		t.Fatalf("redirect to %q, want %s…", loc, prefix)
	}
	end := strings.IndexAny(rest, "?#/")
	if end < 0 {
		end = len(rest)
	}
	id, err := strconv.ParseInt(rest[:end], 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q: no id", loc)
	}
	return id
}
