package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// fuzzAPI starts the API over a fresh SQLite store with a few battery
// listings, the search engine following the change feed, and returns its
// handler, to be called in-process. The follower stops when the test ends;
// if it does not within a few seconds (its lock is stuck), the test fails
// instead of hanging.
func fuzzAPI(tb testing.TB) http.Handler {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(tb.TempDir(), "kakehashi.db"), sqlstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	o := storetest.Org("fuzz", "JP")
	if err := db.CreateOrganization(ctx, o, system); err != nil {
		tb.Fatal(err)
	}
	for i := range 25 {
		l := storetest.Listing(o.ID, fmt.Sprint(i))
		l.Language, l.Title = "en", fmt.Sprintf("Solid-state battery %d", i)
		if err := db.CreateListing(ctx, l, system); err != nil {
			tb.Fatal(err)
		}
	}
	engine := search.New(sharedAnalyzer(tb), db, search.Options{})
	if err := engine.Build(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := engine.CatchUp(ctx); err != nil {
		tb.Fatal(err)
	}
	followCtx, stop := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		engine.Follow(followCtx, 20*time.Millisecond)
	}()
	tb.Cleanup(func() {
		stop()
		select {
		case <-followed:
		case <-time.After(5 * time.Second):
			tb.Error("the search follower did not stop within 5s: the index lock is stuck")
		}
	})
	api := httpapi.New(db, slog.New(slog.DiscardHandler), metrics.NewRegistry(), httpapi.Config{Passwords: fastPasswords, Search: engine})
	return api.Handler(nil)
}

// serveWithin serves GET target on h and returns the status and body, or
// an error if h does not answer within d. A handler that panics is
// answered 500 with the panic, as the server would log it and drop the
// connection.
func serveWithin(h http.Handler, target string, d time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	type answer struct {
		status int
		body   []byte
	}
	done := make(chan answer, 1)
	go func() {
		rec := httptest.NewRecorder()
		defer func() {
			if p := recover(); p != nil {
				done <- answer{http.StatusInternalServerError, fmt.Append(nil, "panic: ", p)}
				return
			}
			done <- answer{rec.Code, rec.Body.Bytes()}
		}()
		h.ServeHTTP(rec, req)
	}()
	select {
	case a := <-done:
		return a.status, a.body, nil
	case <-ctx.Done():
		return 0, nil, fmt.Errorf("GET %.300s: no answer within %s", target, d)
	}
}

// FuzzAPISearch calls GET /api/v1/search with fuzzed query, limit, cursor
// (given whole, or as the offset a cursor stands for), facet and filter
// parameters against a small SQLite-backed API, and checks that it never
// answers 5xx, always answers within 5s, and that a plain search still
// answers with results afterwards. Seeds are in
// testdata/fuzz/FuzzAPISearch.
func FuzzAPISearch(f *testing.F) {
	h := fuzzAPI(f)
	f.Add("battery", "10", "", int64(0), "true", "", "")
	f.Add("battery", "200", "", int64(-8446744073709551626), "false", "2.5", "1")
	f.Fuzz(func(t *testing.T, q, limit, cursor string, offset int64, facets, field, trlMin string) {
		v := url.Values{"q": {q}, "limit": {limit}, "facets": {facets}, "field": {field}, "trl_min": {trlMin}}
		if cursor == "" && offset != 0 {
			cursor = offsetCursor(strconv.FormatInt(offset, 10))
		}
		v.Set("cursor", cursor)
		for k, vs := range v {
			if vs[0] == "" {
				delete(v, k) // an empty parameter is absent, as a client sends it
			}
		}
		target := "/api/v1/search?" + v.Encode()
		status, body, err := serveWithin(h, target, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if status >= 500 {
			t.Fatalf("GET %.300s: status %d; body:\n%.1000s", target, status, body)
		}
		status, body, err = serveWithin(h, "/api/v1/search?q=battery", 5*time.Second)
		if err != nil {
			t.Fatalf("a plain search after GET %.300s: %v", target, err)
		}
		var page struct {
			Hits []json.RawMessage `json:"hits"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Hits) == 0 {
			t.Fatalf("a plain search after GET %.300s: status %d without hits; body:\n%.1000s", target, status, body)
		}
	})
}
