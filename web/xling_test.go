package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testclock"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/web"
)

// startXlingStack serves the pages over the demo data with an engine that
// translates with a small dictionary (the real EDICT is read at run time
// by the server, never copied into the repository).
// prepare, if set, adds to the store before the index is built.
func startXlingStack(t *testing.T, prepare func(*sqlstore.DB)) (string, *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "kakehashi.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// One clock for the store, the engine, the API and the pages.
	db.Now = testclock.Now
	clock := func() time.Time { return db.Now() }
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, fastPasswords); err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(db)
	}
	var es []lexicon.Entry
	for _, line := range []string{"電池 [でんち] /(n) battery/cell/(P)/", "蓄電 [ちくでん] /(n,vs) storage of electricity/"} {
		e, err := lexicon.ParseLine(line)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	engine := search.New(sharedAnalyzer(t), db, search.Options{Now: clock, Logger: logger, Lexicon: lexicon.New(es...)})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(db, logger, metrics.NewRegistry(), httpapi.Config{Now: clock, Passwords: fastPasswords, Search: engine})
	pages, err := web.New(db, engine, api, logger)
	if err != nil {
		t.Fatal(err)
	}
	pages.SetClock(clock)
	srv := httptest.NewServer(api.Handler(pages))
	t.Cleanup(srv.Close)
	return srv.URL, db
}

func getPage(t *testing.T, u, lang string) string {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return html.UnescapeString(string(b))
}

func TestSearchPageAcrossLanguages(t *testing.T) {
	var need int64
	base, _ := startXlingStack(t, func(db *sqlstore.DB) {
		// A Japanese need whose only words the test dictionary knows.
		org := orgID(t, db, "demo:org:minato-seiki")
		l := &kakehashi.Listing{OrgID: org, Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, Language: "ja",
			Title: "電池を求む", Summary: "電池", TRL: 5, IP: kakehashi.IP{Status: kakehashi.IPNone},
			Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
		if err := db.CreateListing(context.Background(), l, kakehashi.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		need = l.ID
	})
	const english = "Battery cell prototyping and abuse-testing facility for industry partners"

	page := getPage(t, base+"/search?q="+url.QueryEscape("電池"), "en")
	if !strings.Contains(page, english) {
		t.Fatalf("the Japanese query 電池 did not show the English listing %q", english)
	}
	if !strings.Contains(page, "Found through translation: 電池 → battery") {
		t.Error("the results do not say which translation found them")
	}
	if !strings.Contains(page, `name="monolingual" value="1">`) || strings.Contains(page, `name="monolingual" value="1" checked`) {
		t.Error("the search form lacks an unchecked language checkbox")
	}
	if !strings.Contains(page, "Only in the language of my query") {
		t.Error("the checkbox has no English label")
	}

	page = getPage(t, base+"/search?monolingual=1&q="+url.QueryEscape("電池"), "ja")
	if strings.Contains(page, english) || strings.Contains(page, "翻訳で一致") {
		t.Error("monolingual search still shows English listings found by translation")
	}
	if !strings.Contains(page, `name="monolingual" value="1" checked`) || !strings.Contains(page, "検索語と同じ言語のみ") {
		t.Error("the checked checkbox with its Japanese label is missing")
	}
	noMessageKeys(t, "search page", page)

	// A Japanese need's page matches English seeds through translation,
	// and can be restricted to Japanese.
	id := strconv.FormatInt(need, 10)
	page = getPage(t, base+"/listings/"+id, "en")
	if !strings.Contains(page, `(電池 → battery)</span>`) || !strings.Contains(page, "/listings/"+id+"?monolingual=1") {
		t.Error("the listing's matches show no English seed found by translation, or no link to restrict them to one language")
	}
	page = getPage(t, base+"/listings/"+id+"?monolingual=1", "en")
	if strings.Contains(page, ` → `) || !strings.Contains(page, "Matches in this listing's language only.") {
		t.Error("monolingual matches still use translations")
	}
}
