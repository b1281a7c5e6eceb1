package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// offsetCursor is a search cursor as the API writes it, for any text.
func offsetCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte("o" + s)) }

// TestSearchAPIBoundsPaging checks that every out-of-range paging or query
// parameter of GET /search is refused with a problem naming it, that the
// deepest page answers, and that a search still answers afterwards.
func TestSearchAPIBoundsPaging(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	for i := range 3 {
		e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) {
			l.Language, l.Title = "en", fmt.Sprintf("Solid-state battery %d", i)
		})
	}
	e.index()
	fields := strings.TrimSuffix(strings.Repeat("2.5,", search.MaxFilterValues+1), ",")
	for _, tc := range []struct {
		query    string
		status   int
		location string
	}{
		{"limit=0", http.StatusUnprocessableEntity, "query.limit"},
		{"limit=-1", http.StatusUnprocessableEntity, "query.limit"},
		{"limit=201", http.StatusUnprocessableEntity, "query.limit"},
		{"limit=99999999999999999999", http.StatusUnprocessableEntity, "query.limit"},
		{"limit=ten", http.StatusUnprocessableEntity, "query.limit"},
		{"cursor=not-a-cursor", http.StatusBadRequest, "query.cursor"},
		{"cursor=" + offsetCursor("-1"), http.StatusBadRequest, "query.cursor"},
		{"cursor=" + offsetCursor(fmt.Sprint(search.MaxOffset+1)), http.StatusBadRequest, "query.cursor"},
		{"cursor=" + offsetCursor("99999999999999999999"), http.StatusBadRequest, "query.cursor"},
		{"cursor=" + offsetCursor("-8446744073709551626"), http.StatusBadRequest, "query.cursor"},
		{"cursor=" + offsetCursor("1\x00"), http.StatusBadRequest, "query.cursor"},
		{"q=" + url.QueryEscape(strings.Repeat("電", search.MaxQueryLength+1)), http.StatusUnprocessableEntity, "query.q"},
		{"trl_min=10", http.StatusUnprocessableEntity, "query.trl_min"},
		{"trl_min=5&trl_max=2", http.StatusBadRequest, "query.trl_min"},
		{"field=" + fields, http.StatusBadRequest, "query.field"},
	} {
		query := tc.query
		if !strings.HasPrefix(query, "q=") {
			query = "q=battery&" + query
		}
		t.Run(tc.query[:min(len(tc.query), 40)], func(t *testing.T) {
			e.with(t).do("GET", "/search?"+query, nil).wantProblem(t, tc.status, tc.location)
		})
	}
	var page httpapi.SearchPage
	e.do("GET", "/search?q=battery&limit=200&cursor="+offsetCursor(fmt.Sprint(search.MaxOffset)), nil).want(t, http.StatusOK).decode(t, &page)
	if len(page.Hits) != 0 || page.NextCursor != "" {
		t.Errorf("the deepest page: %d hits, next cursor %q; want none", len(page.Hits), page.NextCursor)
	}
	e.do("GET", "/search?q=battery&limit=1", nil).want(t, http.StatusOK).decode(t, &page)
	if len(page.Hits) != 1 || page.NextCursor == "" {
		t.Fatalf("first page of one: %d hits, next cursor %q", len(page.Hits), page.NextCursor)
	}
	next := page.NextCursor
	page = httpapi.SearchPage{}
	e.do("GET", "/search?q=battery&limit=2&cursor="+next, nil).want(t, http.StatusOK).decode(t, &page)
	if len(page.Hits) != 2 || page.NextCursor != "" {
		t.Errorf("second page: %d hits, next cursor %q; want the last two and no next cursor", len(page.Hits), page.NextCursor)
	}
}

// moreSearcher answers every search with one page that has more after it.
type moreSearcher struct{ httpapi.Searcher }

func (moreSearcher) Search(context.Context, search.Query) (*search.Result, error) {
	return &search.Result{More: true}, nil
}

func (moreSearcher) Ready(context.Context) error { return nil }

// TestSearchAPINoCursorPastTheDeepestPage checks that a page whose next one
// would start past MaxOffset offers no next cursor (the API would refuse
// it), while a shallower one does.
func TestSearchAPINoCursorPastTheDeepestPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDSN, httpapi.Config{Search: moreSearcher{}})
	var page httpapi.SearchPage
	e.do("GET", "/search?q=battery&limit=200&cursor="+offsetCursor(fmt.Sprint(search.MaxOffset-10)), nil).want(t, http.StatusOK).decode(t, &page)
	if page.NextCursor != "" {
		t.Errorf("next cursor %q past the deepest page", page.NextCursor)
	}
	page = httpapi.SearchPage{}
	e.do("GET", "/search?q=battery&limit=10&cursor="+offsetCursor(fmt.Sprint(search.MaxOffset-10)), nil).want(t, http.StatusOK).decode(t, &page)
	if page.NextCursor != offsetCursor(fmt.Sprint(search.MaxOffset)) {
		t.Errorf("next cursor %q, want the one of offset %d", page.NextCursor, search.MaxOffset)
	}
	e.do("GET", "/search?q=battery&limit=200&cursor="+page.NextCursor, nil).want(t, http.StatusOK)
}

// TestListLimitsAndCursorsAreBounded checks, for every operation of the
// OpenAPI document that takes a limit, that a limit of 0, above its
// maximum, negative, or too large for an integer is refused with 422
// located at query.limit; and for every one that takes a cursor and no
// path parameter, that a cursor the API did not write is refused with 400
// located at query.cursor.
func TestListLimitsAndCursorsAreBounded(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Maximum *float64 `json:"maximum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	e.do("GET", "/openapi.json", nil).want(t, http.StatusOK).decode(t, &doc)
	limits, cursors := 0, 0
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok {
			continue
		}
		concrete, hasPathParam := path, false
		var hasLimit, hasCursor bool
		var max float64
		for _, p := range op.Parameters {
			switch {
			case p.In == "path":
				hasPathParam = true
				concrete = strings.ReplaceAll(concrete, "{"+p.Name+"}", "1")
			case p.In == "query" && p.Name == "limit":
				hasLimit = true
				if p.Schema.Maximum == nil {
					t.Errorf("GET %s: limit has no maximum", path)
					continue
				}
				max = *p.Schema.Maximum
			case p.In == "query" && p.Name == "cursor":
				hasCursor = true
			}
		}
		if hasLimit {
			limits++
			for _, v := range []string{"0", "-1", fmt.Sprint(int(max) + 1), "99999999999999999999"} {
				r := e.do("GET", concrete+"?limit="+v, nil, e.as(admin))
				if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"location":"query.limit"`) {
					t.Errorf("GET %s?limit=%s: status %d, want 422 at query.limit; body %.300s", concrete, v, r.status, r.body)
				}
			}
		}
		if hasCursor && !hasPathParam {
			cursors++
			for _, v := range []string{"not-a-cursor", offsetCursor("-1"), base64.RawURLEncoding.EncodeToString([]byte("k-5"))} {
				r := e.do("GET", concrete+"?cursor="+url.QueryEscape(v), nil, e.as(admin))
				if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"location":"query.cursor"`) {
					t.Errorf("GET %s?cursor=%s: status %d, want 400 at query.cursor; body %.300s", concrete, v, r.status, r.body)
				}
			}
		}
	}
	if limits < 10 || cursors < 5 {
		t.Fatalf("checked %d operations with a limit and %d with a cursor; the OpenAPI document lists more", limits, cursors)
	}
}

// stallingStore is the store, except that while a gate is set, reading
// listings waits for the gate to open (or the context to end), as a call
// on a hung database connection does.
type stallingStore struct {
	*sqlstore.DB
	gate atomic.Pointer[chan struct{}]
}

func (s *stallingStore) ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	if g := s.gate.Load(); g != nil {
		select {
		case <-*g:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.DB.ListingsByID(ctx, ids)
}

// readyz asks /readyz with a deadline and returns its status and checks.
func readyz(t *testing.T, base string, within time.Duration) (int, map[string]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return 0, nil, fmt.Errorf("decode %s: %w", b, err)
	}
	return resp.StatusCode, body.Checks, nil
}

// TestReadyzReportsAStuckSearchIndex checks that /readyz answers 503,
// saying why, while the search index's follower is stuck behind the
// change feed (here on a database call that hangs), and 200 again once it
// has caught up.
func TestReadyzReportsAStuckSearchIndex(t *testing.T) {
	t.Parallel()
	dsn := sqliteDSN(t)
	sameDSN := func(*testing.T) string { return dsn }
	src := &stallingStore{DB: storetest.Open(t, sameDSN)}
	engine := search.New(sharedAnalyzer(t), src, search.Options{StaleAfter: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		engine.FollowWake(ctx, 10*time.Millisecond, nil)
	}()
	e := newEnv(t, sameDSN, httpapi.Config{Search: engine, ReadyChecks: []httpapi.ReadyCheck{{Name: "search", Check: engine.Probe}}})
	t.Cleanup(func() {
		cancel()
		select {
		case <-followed:
		case <-time.After(5 * time.Second):
			t.Error("the follower did not stop with its context")
		}
	})
	waitReady := func(what string, want int, cond func(map[string]string) bool) map[string]string {
		t.Helper()
		var status int
		var checks map[string]string
		if !testwait.Until(10*time.Second, func() bool {
			var err error
			if status, checks, err = readyz(t, e.srv.URL, 10*time.Second); err != nil {
				t.Fatalf("/readyz: %v", err)
			}
			return status == want && cond(checks)
		}) {
			t.Fatalf("/readyz did not report %s within 10s: status %d, checks %v", what, status, checks)
		}
		return checks
	}
	waitReady("ready", http.StatusOK, func(c map[string]string) bool { return c["search"] == "ok" })

	gate := make(chan struct{})
	src.gate.Store(&gate)
	l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Title = "Perovskite tandem cells" })
	checks := waitReady("the stuck index", http.StatusServiceUnavailable, func(c map[string]string) bool { return c["search"] != "ok" })
	if !strings.Contains(checks["search"], "stuck") || !strings.Contains(checks["search"], "behind the change feed") || checks["store"] != "ok" {
		t.Errorf("/readyz checks %v; want search to say it is stuck behind the change feed, and the store ok", checks)
	}

	src.gate.Store(nil)
	close(gate)
	waitReady("ready again", http.StatusOK, func(c map[string]string) bool { return c["search"] == "ok" })
	var page httpapi.SearchPage
	e.do("GET", "/search?q=perovskite", nil).want(t, http.StatusOK).decode(t, &page)
	if len(page.Hits) != 1 || page.Hits[0].Listing.ID != l.ID {
		t.Errorf("perovskite found %d hits, want listing %d", len(page.Hits), l.ID)
	}
}

// TestReadyzAnswersWhenACheckHangs checks that /readyz answers within its
// timeout, 503 naming the check, when a check does not return at all.
func TestReadyzAnswersWhenACheckHangs(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := func(context.Context) error { <-release; return nil }
	e := newEnv(t, sqliteDSN, httpapi.Config{ReadyTimeout: 200 * time.Millisecond,
		ReadyChecks: []httpapi.ReadyCheck{{Name: "hang", Check: hang}, {Name: "fine", Check: func(context.Context) error { return nil }}}})
	t.Cleanup(func() { close(release) })
	start := time.Now()
	status, checks, err := readyz(t, e.srv.URL, 5*time.Second)
	if err != nil {
		t.Fatalf("/readyz with a hanging check: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("/readyz took %s; want about its 200ms timeout", took)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(checks["hang"], "no answer within 200ms") || checks["fine"] != "ok" || checks["store"] != "ok" {
		t.Errorf("/readyz: status %d, checks %v; want 503 saying hang did not answer, the others ok", status, checks)
	}
	if names := slices.Sorted(func(yield func(string) bool) {
		for k := range checks {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(names, []string{"fine", "hang", "store"}) {
		t.Errorf("/readyz checks %v", names)
	}
}
