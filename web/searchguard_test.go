package web_test

// A small application for the tests of search's bounds and for fuzzing its
// parameters: a SQLite store with a few dozen listings, the engine
// following the change feed, and the API and pages wired as serve wires
// them, called in-process so that a request that never answers is noticed
// by a deadline instead of hanging the test.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/web"
)

// searchServer is the running application of startSearchServer.
type searchServer struct {
	db      *sqlstore.DB
	engine  *search.Engine
	handler http.Handler
	org     *kakehashi.Organization
}

// searchListings is how many battery listings startSearchServer stores:
// enough for three pages of results.
const searchListings = 25

var testActor = kakehashi.SystemActor("test")

// startSearchServer starts the application over a fresh SQLite store. The
// follower stops when the test ends; if it does not within a few seconds
// (its lock is stuck), the test fails instead of hanging.
func startSearchServer(tb testing.TB) *searchServer {
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
	s := &searchServer{db: db, org: storetest.Org("guard", "JP")}
	if err := db.CreateOrganization(ctx, s.org, testActor); err != nil {
		tb.Fatal(err)
	}
	for i := range searchListings {
		l := storetest.Listing(s.org.ID, fmt.Sprint(i))
		l.Language, l.Title, l.Summary = "en", fmt.Sprintf("Solid-state battery cell %d", i), "A sulfide electrolyte for battery cells."
		if err := db.CreateListing(ctx, l, testActor); err != nil {
			tb.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	s.engine = search.New(sharedAnalyzer(tb), db, search.Options{Logger: logger})
	if err := s.engine.Build(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.engine.CatchUp(ctx); err != nil {
		tb.Fatal(err)
	}
	followCtx, stop := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		s.engine.Follow(followCtx, 20*time.Millisecond)
	}()
	tb.Cleanup(func() {
		stop()
		select {
		case <-followed:
		case <-time.After(5 * time.Second):
			tb.Error("the search follower did not stop within 5s: the index lock is stuck")
		}
	})
	api := httpapi.New(db, logger, metrics.NewRegistry(), httpapi.Config{Passwords: fastPasswords, Search: s.engine,
		ReadyChecks: []httpapi.ReadyCheck{{Name: "search", Check: s.engine.Probe}}})
	pages, err := web.New(db, s.engine, api, logger)
	if err != nil {
		tb.Fatal(err)
	}
	s.handler = api.Handler(pages)
	return s
}

// errNoAnswer says a request was not answered before its deadline.
var errNoAnswer = errors.New("no answer before the deadline")

// get serves GET target and returns the status and body, or errNoAnswer if
// the handler does not answer before ctx ends. A handler that panics is
// answered 500 with the panic, as the server would log it and drop the
// connection.
func (s *searchServer) get(ctx context.Context, target string) (int, string, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	type answer struct {
		status int
		body   string
	}
	done := make(chan answer, 1)
	go func() {
		rec := httptest.NewRecorder()
		defer func() {
			if p := recover(); p != nil {
				done <- answer{http.StatusInternalServerError, fmt.Sprint("panic: ", p)}
				return
			}
			done <- answer{rec.Code, rec.Body.String()}
		}()
		s.handler.ServeHTTP(rec, req)
	}()
	select {
	case a := <-done:
		return a.status, a.body, nil
	case <-ctx.Done():
		return 0, "", fmt.Errorf("GET %.200s: %w", target, errNoAnswer)
	}
}

// getWithin is get with a deadline of d from now.
func (s *searchServer) getWithin(d time.Duration, target string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.get(ctx, target)
}
