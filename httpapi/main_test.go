package httpapi_test

// Shared test setup for the httpapi tests: a real Server over a real store
// (SQLite or a throwaway PostgreSQL database), served by httptest, with the
// two organizations and the five signed-in actors the authorization matrix
// and the API behaviour tests use.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/textproc"
)

var postgres pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	postgres.Stop()
	os.Exit(code)
}

// fastPasswords keeps argon2id cheap in tests.
var fastPasswords = auth.Params{Memory: 64, Time: 1, Threads: 1}

func sqliteDSN(t *testing.T) string { return filepath.Join(t.TempDir(), "kakehashi.db") }

func postgresDSN(t *testing.T) string { return postgres.Get(t).NewDatabase(t) }

// actorID names one of the six callers of the authorization matrix.
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

// actor is a seeded, signed-in user.
type actor struct {
	user     *kakehashi.User
	password string
	session  string // session cookie value from POST /auth/login
}

// testEnv is a running API over a seeded store: organization own (JP) and
// other (US), the actors, and target, a plain member of own who is none of
// the actors.
type testEnv struct {
	t      *testing.T
	db     *sqlstore.DB
	srv    *httptest.Server
	api    *httpapi.Server
	own    *kakehashi.Organization
	other  *kakehashi.Organization
	target *kakehashi.User
	// third belongs to a third organization: it requests the introductions
	// of the matrix, so that otherMember is not a party to them.
	third  *kakehashi.User
	actors map[actorID]*actor
	seq    *atomic.Int64
	engine *search.Engine
	// changes, once trackChanges installed it, logs every row written.
	changes *changeLog
}

// with returns a copy of e whose helpers report to t, for use in subtests.
func (e *testEnv) with(t *testing.T) *testEnv {
	c := *e
	c.t = t
	return &c
}

// system is the actor of writes the tests make directly in the store.
var system = kakehashi.SystemActor("test")

// newEnv opens and migrates a store at dsn, starts the API with cfg (fast
// password hashing unless cfg says otherwise), seeds it and signs the
// actors in.
func newEnv(t *testing.T, newDSN storetest.NewDSN, cfg httpapi.Config) *testEnv {
	t.Helper()
	if cfg.Passwords == (auth.Params{}) {
		cfg.Passwords = fastPasswords
	}
	db := storetest.Open(t, newDSN)
	// One clock for the store, the engine and the API: the test's own if it
	// gives one, else the store's; read through db.Now, so that a test that
	// later moves the store's clock moves every layer with it.
	if cfg.Now != nil {
		db.Now = cfg.Now
	}
	cfg.Now = func() time.Time { return db.Now() }
	engine := search.New(sharedAnalyzer(t), db, search.Options{Now: cfg.Now})
	if err := engine.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cfg.Search == nil {
		cfg.Search = engine
	}
	if cfg.Screening == nil {
		cfg.Screening = compliance.New(db, compliance.Config{})
	}
	api := httpapi.New(db, slog.New(slog.DiscardHandler), metrics.NewRegistry(), cfg)
	srv := httptest.NewServer(api.Handler(nil))
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, db: db, srv: srv, api: api, actors: map[actorID]*actor{}, seq: new(atomic.Int64), engine: engine}
	e.own = e.org("own", "JP")
	e.other = e.org("other", "US")
	for _, a := range []struct {
		id   actorID
		org  int64
		role kakehashi.OrgRole
		pr   kakehashi.PlatformRole
	}{
		{otherMember, e.other.ID, kakehashi.RoleMember, kakehashi.PlatformNone},
		{ownerMember, e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone},
		{ownerAdmin, e.own.ID, kakehashi.RoleOrgAdmin, kakehashi.PlatformNone},
		{coordinator, 0, "", kakehashi.PlatformCoordinator},
		{admin, 0, "", kakehashi.PlatformAdmin},
	} {
		pw := "password of " + a.id.String()
		u := e.user(a.id.String(), a.org, a.role, a.pr, pw)
		e.actors[a.id] = &actor{user: u, password: pw, session: e.signIn(u.Email, pw)}
	}
	e.target = e.user("target", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of target")
	thirdOrg := e.org("third", "GB")
	e.third = e.user("third", thirdOrg.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of third")
	return e
}

var (
	analyzerOnce sync.Once
	analyzer     *textproc.Analyzer
	analyzerErr  error
)

// sharedAnalyzer loads the Japanese dictionary once for all tests.
func sharedAnalyzer(t testing.TB) *textproc.Analyzer {
	analyzerOnce.Do(func() { analyzer, analyzerErr = textproc.New() })
	if analyzerErr != nil {
		t.Fatal(analyzerErr)
	}
	return analyzer
}

// index brings the search index up to date with the store.
func (e *testEnv) index() {
	e.t.Helper()
	if _, err := e.engine.CatchUp(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// next returns a number unique within the env, for names and e-mails.
func (e *testEnv) next() int64 { return e.seq.Add(1) }

func (e *testEnv) org(name, country string) *kakehashi.Organization {
	e.t.Helper()
	o := storetest.Org(name, country)
	if err := e.db.CreateOrganization(context.Background(), o, system); err != nil {
		e.t.Fatalf("create organization %s: %v", name, err)
	}
	return o
}

// user stores an account whose e-mail starts with prefix; pw "" leaves it
// without a password.
func (e *testEnv) user(prefix string, org int64, role kakehashi.OrgRole, pr kakehashi.PlatformRole, pw string) *kakehashi.User {
	e.t.Helper()
	u := &kakehashi.User{Email: fmt.Sprintf("%s-%d@example.com", prefix, e.next()), Name: prefix, OrgID: org, OrgRole: role, PlatformRole: pr}
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

// listing stores a listing of org with the given visibility and status,
// after applying the optional changes.
func (e *testEnv) listing(org int64, vis kakehashi.Visibility, status kakehashi.Status, change ...func(*kakehashi.Listing)) *kakehashi.Listing {
	e.t.Helper()
	l := storetest.Listing(org, fmt.Sprint(e.next()))
	l.Visibility, l.Status = vis, status
	for _, f := range change {
		f(l)
	}
	if err := e.db.CreateListing(context.Background(), l, system); err != nil {
		e.t.Fatalf("create listing: %v", err)
	}
	return l
}

// intro creates an open listing of the owner organization with visibility
// vis and an interest in it from the third organization.
func (e *testEnv) intro(vis kakehashi.Visibility) *kakehashi.Introduction {
	e.t.Helper()
	l := e.listing(e.own.ID, vis, kakehashi.StatusOpen)
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: e.third.ID, RequesterOrgID: e.third.OrgID, Message: "Interested."}
	if err := e.db.CreateIntroduction(context.Background(), in, e.third); err != nil {
		e.t.Fatalf("create introduction: %v", err)
	}
	return in
}

// count returns the result of a COUNT(*) query.
func (e *testEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// cred adds credentials or headers to a request.
type cred func(*http.Request)

func session(value string) cred {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: value}) }
}

func bearer(token string) cred {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func header(k, v string) cred { return func(r *http.Request) { r.Header.Set(k, v) } }

// as returns the session of actor a, nil for anonymous.
func (e *testEnv) as(a actorID) cred {
	if a == anonymous {
		return nil
	}
	return session(e.actors[a].session)
}

type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	// mark is the position of the change log when the request was sent
	// (0 when the env does not track changes).
	mark int64
}

// do calls the API at /api/v1+path. body is sent as is when it is a string
// or []byte, else encoded as JSON; nil sends no body.
func (e *testEnv) do(method, path string, body any, creds ...cred) *response {
	e.t.Helper()
	return e.request(method, "/api/v1"+path, body, creds...)
}

// request calls any path of the server.
func (e *testEnv) request(method, path string, body any, creds ...cred) *response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range creds {
		if c != nil {
			c(req)
		}
	}
	var mark int64
	if e.changes != nil {
		mark = e.changes.mark(e.t)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: b, mark: mark}
}

// want fails the test unless r has the given status.
func (r *response) want(t *testing.T, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %.600s", r.status, status, r.body)
	}
	return r
}

// decode unmarshals the body into v.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %.300s: %v", r.body, err)
	}
}

// obj returns the body as a JSON object.
func (r *response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// cookie returns the value of the session cookie r sets, "" if none.
func (r *response) cookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == httpapi.SessionCookie {
			return c
		}
	}
	return nil
}

// signIn logs in through the API and returns the session cookie's value.
func (e *testEnv) signIn(email, password string) string {
	e.t.Helper()
	r := e.do("POST", "/auth/login", map[string]string{"email": email, "password": password})
	if r.status != http.StatusOK {
		e.t.Fatalf("sign in %s: status %d: %s", email, r.status, r.body)
	}
	c := r.cookie()
	if c == nil || c.Value == "" {
		e.t.Fatalf("sign in %s: no session cookie in %v", email, r.header)
	}
	return c.Value
}

// problem is the RFC 9457 body of an error response.
type problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem+json error with the given status
// and, if locations are given, an error detail located at each.
func (r *response) wantProblem(t *testing.T, status int, locations ...string) problem {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body: %.300s", ct, r.body)
	}
	var p problem
	r.decode(t, &p)
	if p.Status != status || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v: want status %d with a title and a detail", p, status)
	}
	for _, loc := range locations {
		found := false
		for _, d := range p.Errors {
			found = found || d.Location == loc
		}
		if !found {
			t.Fatalf("problem %s: no error located at %q", r.body, loc)
		}
	}
	return p
}

// listingPage is a page of GET /listings, items kept raw to see which keys
// are present.
type listingPage struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// id reads a JSON number field as an id.
func id(m map[string]any, key string) int64 {
	f, _ := m[key].(float64)
	return int64(f)
}
