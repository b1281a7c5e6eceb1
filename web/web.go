// Package web serves Kakehashi's pages: server-rendered HTML from
// html/template, enhanced with htmx and Chart.js (vendored and embedded), in
// English and Japanese.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/search"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the pages read and write.
type Store interface {
	CallStore
	ConsortiumStore
	KPIStore
	EventStore
	ScreeningStore
	ListBrowser
	ResearcherStore
	kakehashi.OrganizationService
	kakehashi.UserService
	kakehashi.ListingService
	kakehashi.IntroductionService
	CountOrganizations(ctx context.Context) (int, error)
	// Notifications returns a user's inbox, newest first.
	Notifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]*kakehashi.Notification, error)
	// MarkNotificationsRead marks a user's notifications read; ids empty means all.
	MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error
	// Saved alerts on needs, and organizations' webhooks (notify.go).
	CreateAlert(ctx context.Context, a *kakehashi.Alert, actor *kakehashi.User) error
	Alerts(ctx context.Context, userID int64) ([]*kakehashi.Alert, error)
	DeleteAlert(ctx context.Context, id int64, actor *kakehashi.User) error
	CreateWebhook(ctx context.Context, w *kakehashi.Webhook, actor *kakehashi.User) error
	Webhooks(ctx context.Context, orgID int64) ([]*kakehashi.Webhook, error)
	Webhook(ctx context.Context, orgID, id int64) (*kakehashi.Webhook, error)
	DeleteWebhook(ctx context.Context, orgID, id int64, actor *kakehashi.User) error
	Deliveries(ctx context.Context, outboxID, webhookID int64, limit int) ([]*kakehashi.Delivery, error)
	// Secret returns the server secret stored under name (the Atom feed's).
	Secret(ctx context.Context, name string) ([]byte, error)
}

// Engine is the matching engine as the pages use it.
type Engine interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
	Match(ctx context.Context, id int64, viewer *kakehashi.User, opt search.MatchOptions) (*search.MatchResult, error)
	MatchListing(ctx context.Context, l *kakehashi.Listing, viewer *kakehashi.User, opt search.MatchOptions) (*search.MatchResult, error)
}

// Auth signs people in and out (the JSON API's sessions).
type Auth interface {
	SignIn(ctx context.Context, email, password string) (*kakehashi.User, *http.Cookie, error)
	SignOut(ctx context.Context, r *http.Request) (*http.Cookie, error)
}

// Handler serves the pages. Create it with New.
type Handler struct {
	store  Store
	engine Engine
	auth   Auth
	log    *slog.Logger
	now    func() time.Time
	pages  map[string]*template.Template
	// text is the interface text in both languages (web/i18n/*.json).
	text *catalog
	// assets maps a static file's name to its content-hashed URL, and back.
	assets   map[string]string
	byHashed map[string]string
	mux      *http.ServeMux
	// routes are the patterns mux serves, in the order registered.
	routes []string
	// stallAfter is how long an introduction may sit at one stage before
	// it counts as stalled.
	stallAfter time.Duration
	// screen screens an organization now (nil: screening is off).
	screen func(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error)
	// check screens a name against the current lists (nil: off).
	check func(ctx context.Context, name, country string, limit int) []screening.Hit
	// createIntroduction records a new interest.
	createIntroduction func(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error
	// hookAddrs decides which addresses webhooks may point at.
	hookAddrs notify.AddressPolicy
}

// SetWebhooksAllowLoopback lets webhooks point at loopback addresses, as
// the API's Config.WebhooksAllowLoopback does (serve
// --webhooks-allow-loopback); by default only public addresses are
// accepted.
func (h *Handler) SetWebhooksAllowLoopback(allow bool) {
	h.hookAddrs = notify.AddressPolicy{AllowLoopback: allow}
}

// SetIntroducer routes new interests through create
// (compliance.Service.CreateIntroduction); without it the store records
// them directly. Either way the store applies the export-control gate.
func (h *Handler) SetIntroducer(create func(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error) {
	h.createIntroduction = create
}

// SetClock sets the clock the pages read "now" from: the same one the
// store, the API and the background jobs are given, so that deadlines,
// stalls and sessions agree across layers.
func (h *Handler) SetClock(now func() time.Time) {
	if now != nil {
		h.now = now
	}
}

// SetStallAfter sets the stall period, to agree with the API's and the
// reminders' (serve --stall-days).
func (h *Handler) SetStallAfter(d time.Duration) {
	if d > 0 {
		h.stallAfter = d
	}
}

// New parses the templates, fingerprints the static files and returns the
// page handler. Authentication must already be in the request context
// (httpapi's middleware puts it there).
func New(store Store, engine Engine, auth Auth, log *slog.Logger) (*Handler, error) {
	h := &Handler{store: store, engine: engine, auth: auth, log: log, now: time.Now, stallAfter: defaultStallAfter,
		assets: map[string]string{}, byHashed: map[string]string{}}
	h.createIntroduction = store.CreateIntroduction
	text, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	h.text = text
	if err := h.fingerprint(); err != nil {
		return nil, err
	}
	if err := h.parse(); err != nil {
		return nil, err
	}
	h.mux = http.NewServeMux()
	h.handle("GET /{$}", h.home)
	h.handle("GET /search", h.search)
	h.handle("GET /listings/new", h.newListing)
	h.handle("POST /listings/new", h.createListing)
	h.handle("POST /listings/preview", h.preview)
	h.handle("GET /listings/{id}", h.listing)
	h.handle("GET /listings/{id}/edit", h.editListing)
	h.handle("POST /listings/{id}/edit", h.updateListing)
	h.handle("POST /listings/{id}/interest", h.expressInterest)
	h.handle("GET /introductions", h.introductions)
	h.handle("GET /introductions/{id}", h.introduction)
	h.handle("POST /introductions/{id}/transition", h.transition)
	h.handle("POST /introductions/{id}/coordinator", h.assignCoordinator)
	h.handle("POST /introductions/{id}/messages", h.postMessage)
	h.handle("GET /inbox", h.inbox)
	h.handle("POST /inbox/read", h.markRead)
	h.handle("GET /orgs/{id}", h.organization)
	h.handle("GET /orgs/{id}/factbook", h.factBook)
	h.handle("GET /kpis", h.kpis)
	h.handle("GET /kpis.csv", h.kpisCSV)
	h.handle("GET /screening", h.screeningPage)
	h.handle("POST /orgs/{id}/screening", h.screenOrg)
	h.handle("POST /orgs/{id}/screening/decision", h.decideScreening)
	h.handle("GET /alerts", h.alerts)
	h.handle("POST /alerts", h.createAlert)
	h.handle("POST /alerts/{id}/delete", h.deleteAlert)
	h.handle("POST /alerts/feed/rotate", h.rotateFeed)
	h.handle("GET /orgs/{id}/webhooks", h.webhooks)
	h.handle("POST /orgs/{id}/webhooks", h.createWebhook)
	h.handle("GET /orgs/{id}/webhooks/{hook}", h.webhook)
	h.handle("POST /orgs/{id}/webhooks/{hook}/delete", h.deleteWebhook)
	h.handle("GET /login", h.loginPage)
	h.handle("POST /login", h.login)
	h.handle("POST /logout", h.logout)
	h.handle("GET /dashboard", h.dashboard)
	h.handle("GET /admin/users", h.adminUsers)
	h.handle("POST /admin/users", h.adminCreateUser)
	h.handle("GET /admin/orgs", h.adminOrgs)
	h.handle("POST /admin/orgs", h.adminCreateOrg)
	h.handle("GET /lang", h.setLang)
	h.registerCalls()
	h.registerEvents()
	h.registerResearchers()
	h.registerConsortia()
	h.handle("GET /static/{file}", h.static)
	h.handle("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "no page %s", r.URL.Path))
	})
	return h, nil
}

// handle serves pattern with fn and records the pattern, so that the
// pages' authorization test can go through every route that is served
// (a route without a row in its matrix fails it).
func (h *Handler) handle(pattern string, fn http.HandlerFunc) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, fn)
}

// contentSecurityPolicy allows only the site's own scripts, styles and
// images: no inline script or style, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves a page with the security headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// fingerprint gives every static file a URL that changes with its content,
// so browsers may cache it for a year.
func (h *Handler) fingerprint() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		h.assets[name] = "/static/" + hashed
		h.byHashed[hashed] = p
		return nil
	})
}

func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	p, ok := h.byHashed[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := staticFS.ReadFile(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

// view is what every template gets.
type view struct {
	Lang  string
	User  *kakehashi.User
	Title string
	Path  string
	// Query is the current URL's query, for the language switch.
	Query  string
	Assets map[string]string
	Data   any
	h      *Handler
	// text is the Handler's interface text, which T, L and Country read.
	text *catalog
	// ctx is the request's, for the few things a page reads while it is
	// drawn (the header's unread count); unread caches that count.
	ctx    context.Context
	unread *int
}

// T translates key.
func (v *view) T(key string, args ...any) string { return v.text.translate(v.Lang, key, args...) }

// L names an enumeration value.
func (v *view) L(value any) string { return v.text.label(v.Lang, fmt.Sprint(value)) }

// Country names a country code.
func (v *view) Country(cc string) string { return v.text.countryName(v.Lang, cc) }

// Date formats a time as a date, in Japan time for the Japanese interface.
func (v *view) Date(t any) string {
	var tm time.Time
	switch x := t.(type) {
	case time.Time:
		tm = x
	case *time.Time:
		if x == nil {
			return ""
		}
		tm = *x
	}
	if v.Lang == langJA {
		tm = tm.In(time.FixedZone("JST", 9*3600))
	} else {
		tm = tm.UTC()
	}
	return formatDate(v.Lang, tm)
}

// Fit says a structured-fit check in the reader's language: partnership
// types and countries are named, not coded.
func (v *view) Fit(r search.FitReason) string {
	args := make([]any, len(r.Args))
	for i, a := range r.Args {
		switch {
		case r.Check == "partnership":
			var names []string
			for _, p := range strings.Split(a, ", ") {
				names = append(names, v.text.label(v.Lang, p))
			}
			args[i] = strings.Join(names, ", ")
		case r.Check == "country":
			args[i] = v.text.countryName(v.Lang, a)
		case r.Check == "deadline" && i == 0:
			if t, err := time.Parse(time.DateOnly, a); err == nil {
				args[i] = formatDate(v.Lang, t)
			} else {
				args[i] = a
			}
		default:
			args[i] = a
		}
	}
	key := "fit." + r.Check + "." + r.Reason
	if _, ok := v.text.lookup(key); !ok {
		return r.Detail
	}
	return v.text.translate(v.Lang, key, args...)
}

// Num formats an integer with thousands separators.
func (v *view) Num(n int) string { return formatNumber(n) }

// IsStaff reports whether the viewer is a coordinator or admin.
func (v *view) IsStaff() bool { return v.User.IsStaff() }

// IsAdmin reports whether the viewer is an admin.
func (v *view) IsAdmin() bool { return v.User.IsAdmin() }

// LangSwitch is the URL that switches the interface language and returns here.
func (v *view) LangSwitch() string {
	to := langJA
	if v.Lang == langJA {
		to = langEN
	}
	// The path escaped again, so that safeNext keeps it (it accepts
	// printable ASCII only).
	next := (&url.URL{Path: v.Path}).EscapedPath()
	if v.Query != "" {
		next += "?" + v.Query
	}
	return "/lang?to=" + to + "&next=" + url.QueryEscape(next)
}

func (h *Handler) view(r *http.Request, title string, data any) *view {
	return &view{Lang: langOf(r), User: kakehashi.UserFromContext(r.Context()), Title: title, Path: r.URL.Path,
		Query: r.URL.RawQuery, Assets: h.assets, Data: data, h: h, text: h.text, ctx: r.Context()}
}

var templateFuncs = template.FuncMap{
	"pair": func(v *view, x any) map[string]any { return map[string]any{"V": v, "X": x} },
	"matchArgs": func(v *view, x any, best float64, open bool) map[string]any {
		return map[string]any{"V": v, "X": x, "Best": best, "Open": open}
	},
	"fieldArgs": func(v *view, name, label, value, err string) map[string]any {
		return map[string]any{"V": v, "Name": name, "Label": label, "Value": value, "Error": err}
	},
	"list":       func(s ...string) []string { return s },
	"fieldCodes": fieldCodes,
	"hasPartner": func(l *kakehashi.Listing, p string) bool { return l.HasPartnership(kakehashi.PartnershipType(p)) },
	"field":      fieldName,
	"pct":        func(x float64) int { return int(x*100 + 0.5) },
	"join":       strings.Join,
	"add":        func(a, b int) int { return a + b },
	"sub":        func(a, b int) int { return a - b },
	"percent":    func(x, max float64) float64 { return x / max },
	"sectors":    func() []string { return kakehashi.Sectors },
	"hasStr": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

// fieldCodes lists the OECD field codes in their natural order (2.9 before 2.10).
func fieldCodes() []string {
	codes := make([]string, 0, len(kakehashi.FieldsOfScience))
	for c := range kakehashi.FieldsOfScience {
		codes = append(codes, c)
	}
	num := func(c string) (int, int) {
		a, b, _ := strings.Cut(c, ".")
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x, y
	}
	sort.Slice(codes, func(i, j int) bool {
		a1, a2 := num(codes[i])
		b1, b2 := num(codes[j])
		return a1 < b1 || a1 == b1 && a2 < b2
	})
	return codes
}

// parse builds one template set per page: the layout plus the page.
func (h *Handler) parse() error {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		return err
	}
	h.pages = map[string]*template.Template{}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", "templates/"+name)
		if err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		h.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// fragments are the blocks of a page drawn with the page's view, which an
// htmx request may ask for alone (HX-Target). The other templates draw a
// part of the page from other data: asked for alone, they could only fail.
var fragments = map[string]bool{"content": true, "search-panel": true, "dash-intros": true}

// render writes a whole page, or only one of its fragments for htmx
// requests that ask for it.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := h.pages[page]
	if !ok {
		h.log.Error("no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	entry := "layout"
	if frag := r.Header.Get("HX-Target"); fragments[frag] && r.Header.Get("HX-Request") == "true" && t.Lookup(frag) != nil {
		entry = frag
	}
	if err := t.ExecuteTemplate(&b, entry, v); err != nil {
		h.log.Error("render page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "HX-Request, HX-Target, Cookie, Accept-Language")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// fail renders an error page whose status follows the error's kind.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	switch kakehashi.ErrorCode(err) {
	case kakehashi.ENOTFOUND:
		status, key = http.StatusNotFound, "error.notfound"
	case kakehashi.EFORBIDDEN:
		status, key = http.StatusForbidden, "error.forbidden"
	case kakehashi.EUNAUTHORIZED:
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	default:
		h.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	v := h.view(r, h.text.translate(langOf(r), "error.title"), h.text.translate(langOf(r), key))
	h.render(w, r, status, "error", v)
}

// requireUser returns the signed-in user or sends the visitor to sign in.
func (h *Handler) requireUser(w http.ResponseWriter, r *http.Request) *kakehashi.User {
	u := kakehashi.UserFromContext(r.Context())
	if u == nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EUNAUTHORIZED, "sign in first"))
	}
	return u
}

func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to != langEN && to != langJA {
		to = langEN
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: to, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// safeNext returns next if it is a clean path on this site, else "/". It
// is the one check of every redirect target taken from a request (the
// next of /login and /lang) and of the links shown in the inbox, so that
// none of them sends a visitor to another site (an open redirect).
//
// A clean local path is printable ASCII (browsers drop tabs and newlines
// and read a backslash as a slash, so "/\t/evil" is "//evil" to them), has
// no scheme or host, and its path, once percent-decoded, starts with one
// slash and has no empty, "." or ".." segment, backslash or control
// character (so that no later decoding or cleaning can turn it into
// "//evil").
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

func localPath(s string) bool {
	if s == "" || s[0] != '/' || len(s) > 4096 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	raw, decoded := u.EscapedPath(), u.Path
	for _, p := range []string{raw, decoded} {
		if p == "" || p[0] != '/' {
			return false
		}
		for _, seg := range strings.Split(p[1:], "/") {
			if seg == "." || seg == ".." {
				return false
			}
		}
		if strings.Contains(p, "//") {
			return false
		}
	}
	for _, r := range decoded {
		if r < ' ' || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}

var errNoOrg = errors.New("no organization")
