package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
)

// xlingEnv serves the API of e's store with an engine that translates
// with lex (nil: monolingual).
func xlingEnv(t *testing.T, e *testEnv, lex *lexicon.Lexicon) *testEnv {
	t.Helper()
	engine := search.New(sharedAnalyzer(t), e.db, search.Options{Lexicon: lex, Now: e.db.Now})
	if err := engine.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(e.db, slog.New(slog.DiscardHandler), metrics.NewRegistry(), httpapi.Config{Now: e.db.Now, Passwords: fastPasswords, Search: engine,
		ReadyDetails: []httpapi.ReadyDetail{{Name: "languages", Info: engine.Languages}}})
	srv := httptest.NewServer(api.Handler(nil))
	t.Cleanup(srv.Close)
	c := *e.with(t)
	c.srv, c.engine = srv, engine
	return &c
}

func TestSearchAcrossLanguages(t *testing.T) {
	t.Parallel()
	base := newSQLiteEnv(t)
	en := base.listing(base.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) {
		l.Language, l.Side, l.Kind, l.Title, l.Summary, l.Body = "en", kakehashi.SideSeed, kakehashi.KindTechnology, "Sodium-ion batteries", "Cheap batteries for the grid.", ""
		l.Keywords = []string{"sodium-ion"}
	})
	ja := base.listing(base.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) {
		l.Language, l.Side, l.Kind, l.Title, l.Summary, l.Body = "ja", kakehashi.SideNeed, kakehashi.KindChallenge, "蓄電用の電池を求む", "系統蓄電向けの安価な電池を探しています。", ""
		l.Keywords = nil
	})
	battery, err := lexicon.ParseLine("電池 [でんち] /(n) battery/cell/(P)/")
	if err != nil {
		t.Fatal(err)
	}
	e := xlingEnv(t, base, lexicon.New(battery))

	var page struct {
		Hits []search.Hit `json:"hits"`
	}
	e.do("GET", "/search?q="+urlq("電池"), nil).want(t, http.StatusOK).decode(t, &page)
	var found *search.Hit
	for i, h := range page.Hits {
		if h.Listing.ID == en.ID {
			found = &page.Hits[i]
		}
	}
	if found == nil {
		t.Fatalf("電池 did not find the English listing: %d hits", len(page.Hits))
	}
	if !slices.ContainsFunc(found.Explanation.Terms, func(tm search.TermMatch) bool { return tm.Translation == "電池 → battery" }) {
		t.Errorf("explanation %+v lacks 電池 → battery", found.Explanation.Terms)
	}
	e.do("GET", "/search?monolingual=true&q="+urlq("電池"), nil).want(t, http.StatusOK).decode(t, &page)
	for _, h := range page.Hits {
		if h.Listing.ID == en.ID {
			t.Error("monolingual=true found the English listing")
		}
	}
	e.do("GET", "/search?monolingual=perhaps&q=x", nil).wantProblem(t, http.StatusUnprocessableEntity, "query.monolingual")

	// The Japanese need matches the English seed, unless monolingual.
	var m search.MatchResult
	e.do("GET", "/listings/"+itoa(ja.ID)+"/matches", nil).want(t, http.StatusOK).decode(t, &m)
	if len(m.Hits) == 0 || m.Hits[0].Listing.ID != en.ID {
		t.Errorf("the Japanese need matched %d hits, want the English seed first", len(m.Hits))
	}
	e.do("GET", "/listings/"+itoa(ja.ID)+"/matches?monolingual=true", nil).want(t, http.StatusOK).decode(t, &m)
	for _, h := range m.Hits {
		if h.Listing.ID == en.ID {
			t.Error("monolingual match found the English seed")
		}
	}

	var ready struct {
		Ready   bool              `json:"ready"`
		Details map[string]string `json:"details"`
	}
	e.request("GET", "/readyz", nil).want(t, http.StatusOK).decode(t, &ready)
	if !ready.Ready || !strings.HasPrefix(ready.Details["languages"], "cross-lingual") {
		t.Errorf("/readyz details %v", ready.Details)
	}
	// Without the dictionary: monolingual, said in /readyz, still ready.
	mono := xlingEnv(t, base, nil)
	mono.request("GET", "/readyz", nil).want(t, http.StatusOK).decode(t, &ready)
	if !ready.Ready || !strings.HasPrefix(ready.Details["languages"], "monolingual") {
		t.Errorf("/readyz without a dictionary: %v", ready.Details)
	}
	mono.do("GET", "/search?q="+urlq("電池"), nil).want(t, http.StatusOK).decode(t, &page)
	for _, h := range page.Hits {
		if h.Listing.ID == en.ID {
			t.Error("without a dictionary 電池 found the English listing")
		}
	}
}

func urlq(s string) string { return url.QueryEscape(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
