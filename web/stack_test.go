package web_test

// Shared set-up for the end-to-end tests: the whole application in-process
// (SQLite with the demo data, the search engine following the change feed,
// the JSON API and the pages wired as cmd/kakehashi serve wires them), served
// by httptest, and a headless Chromium to drive it.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testclock"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/textproc"
	"github.com/kakehashi/kakehashi/web"
)

// fastPasswords keeps argon2id cheap in tests, for the demo accounts and for
// the sign-ins that check them.
var fastPasswords = auth.Params{Memory: 64, Time: 1, Threads: 1}

var (
	analyzerOnce sync.Once
	analyzer     *textproc.Analyzer
	analyzerErr  error
)

// sharedAnalyzer loads the Japanese dictionary once per test binary.
func sharedAnalyzer(t testing.TB) *textproc.Analyzer {
	t.Helper()
	analyzerOnce.Do(func() { analyzer, analyzerErr = textproc.New() })
	if analyzerErr != nil {
		t.Fatal(analyzerErr)
	}
	return analyzer
}

// startStack runs the whole application on a fresh SQLite file with the demo
// data and returns its base URL and the store (for checks behind the pages'
// backs). Everything stops when the test ends.
func startStack(t testing.TB) (baseURL string, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	// Warnings and errors (a page that failed, a broken change feed) go to
	// the test's output.
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
	res, err := demo.Load(ctx, db, fastPasswords)
	if err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	if !res.Loaded {
		t.Fatal("demo data not loaded into a fresh database")
	}

	engine := search.New(sharedAnalyzer(t), db, search.Options{Now: clock, Logger: logger})
	if err := engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Follow the change feed, so that what the browser posts becomes
	// searchable, as in the server.
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		engine.Follow(followCtx, 50*time.Millisecond)
	}()
	t.Cleanup(func() {
		stopFollow()
		<-followed
	})

	screen := compliance.New(db, compliance.Config{})
	api := httpapi.New(db, logger, metrics.NewRegistry(), httpapi.Config{Now: clock, Passwords: fastPasswords, Search: engine, Screening: screen,
		ReadyChecks: []httpapi.ReadyCheck{{Name: "search", Check: engine.Ready}}})
	pages, err := web.New(db, engine, api, logger)
	if err != nil {
		t.Fatal(err)
	}
	pages.SetClock(clock)
	pages.SetIntroducer(screen.CreateIntroduction)
	pages.SetScreener(screen.Screen)
	pages.SetChecker(screen.Check)
	srv := httptest.NewServer(api.Handler(pages))
	t.Cleanup(srv.Close)
	return srv.URL, db
}

// chromiumPath finds Chromium, or skips the test without it; under CI=true
// a missing browser fails the test instead, so CI never passes by skipping.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium not found (/usr/bin/chromium or chromium on PATH) and CI=true: install Debian's chromium package")
	}
	t.Skip("Chromium not found (/usr/bin/chromium or chromium on PATH); install Debian's chromium package to run the browser tests")
	return ""
}

// browserTimeout bounds one test's whole browser session.
const browserTimeout = 60 * time.Second

// jsErrors collects what the page reports as errors: console.error calls,
// uncaught exceptions and error entries of the browser log (CSP violations,
// failed loads).
type jsErrors struct {
	mu   sync.Mutex
	msgs []string
	// allowed are patterns of messages the test expects, such as the log
	// entry for a form answered with 422.
	allowed []*regexp.Regexp
}

func (j *jsErrors) add(msg string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.msgs = append(j.msgs, msg)
}

// allow accepts messages that match pattern from now on.
func (j *jsErrors) allow(pattern string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.allowed = append(j.allowed, regexp.MustCompile(pattern))
}

// unexpected returns the collected errors that no allowed pattern matches.
func (j *jsErrors) unexpected() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, m := range j.msgs {
		ok := false
		for _, re := range j.allowed {
			ok = ok || re.MatchString(m)
		}
		if !ok {
			out = append(out, m)
		}
	}
	return out
}

type jsErrorsKey struct{}

// pageErrors returns the errors collector of a context from newBrowser.
func pageErrors(ctx context.Context) *jsErrors { return ctx.Value(jsErrorsKey{}).(*jsErrors) }

// newBrowser starts a headless Chromium (root, offline: no sandbox, no
// background networking, a fresh profile) with a 1280×900 window and
// returns the chromedp context of a tab. At the end of the test it fails the test on any JavaScript
// error the pages reported, then stops the browser.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	profile, err := os.MkdirTemp("", "kakehashi-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	timeout, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(timeout, opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithLogf(func(string, ...any) {}))
	errs := &jsErrors{}
	ctx = context.WithValue(ctx, jsErrorsKey{}, errs)
	// Start the browser and listen before the first page loads.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					if a.Description != "" {
						parts = append(parts, a.Description)
					} else {
						parts = append(parts, string(a.Value))
					}
				}
				errs.add("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			errs.add(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				errs.add(fmt.Sprintf("log (%s) %s: %s", ev.Entry.Source, ev.Entry.URL, ev.Entry.Text))
			}
		}
	}); err != nil {
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	t.Cleanup(func() {
		for _, m := range errs.unexpected() {
			t.Errorf("JavaScript error in the browser: %s", m)
		}
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
	})
	return ctx
}

// screenshot saves a full-page PNG of the current page as DIR/name.png when
// KAKEHASHI_SCREENSHOTS=DIR is set.
func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("KAKEHASHI_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", file)
}
