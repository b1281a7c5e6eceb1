// Package httpapi serves Kakehashi's JSON API under /api/v1 with Huma: an
// OpenAPI 3.1 document, problem+json errors (RFC 9457), cookie sessions and
// bearer API tokens, plus the operational endpoints /healthz and /readyz.
// The Prometheus metrics are served apart (MetricsHandler), on a listener
// of their own.
package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/notify"
)

// Store is what the API needs from storage.
type Store interface {
	kakehashi.OrganizationService
	kakehashi.UserService
	kakehashi.ListingService
	kakehashi.AuditService
	Pipeline
	Webhooks
	ScreeningStore
	CallStore
	EventStore
	KPIStore
	ResearcherStore
	ConsortiumStore
	FundingStore
	// Limiter counts sign-in attempts; in the database, so that replicas
	// share the limits.
	auth.Limiter
	// Secret returns a named random server secret, created on first use.
	Secret(ctx context.Context, name string) ([]byte, error)
	// Ready returns nil when the store can serve requests.
	Ready(ctx context.Context) error
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "kakehashi_session"

// Server holds the API's dependencies. Create it with New.
type Server struct {
	store   Store
	log     *slog.Logger
	metrics *metrics.Registry
	// Passwords are hashed with these argon2id parameters.
	passwords auth.Params
	// verify checks a password against a hash (auth.VerifyPassword).
	verify func(password, hash string) error
	// dummyHash stands in for the hash of an account that is unknown or has
	// no password, so that signing in to it costs one check like any other.
	dummyHash string
	// limiter bounds failed sign-ins per client address and per account.
	limiter      auth.Limiter
	sessionTTL   time.Duration
	proxies      auth.Proxies
	secure       bool
	now          func() time.Time
	readyChecks  []ReadyCheck
	readyDetails []ReadyDetail
	readyTimeout time.Duration
	search       Searcher
	stallAfter   time.Duration
	screening    Screening
	// hookAddrs decides which addresses webhooks may point at.
	hookAddrs notify.AddressPolicy
}

// DefaultReadyTimeout bounds /readyz unless Config.ReadyTimeout says
// otherwise: load balancers probe with a timeout of a few seconds.
const DefaultReadyTimeout = 5 * time.Second

// ReadyCheck is one named readiness condition reported by /readyz.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// ReadyDetail is named information /readyz reports without it deciding
// readiness, such as whether search matches across languages.
type ReadyDetail struct {
	Name string
	Info func() string
}

// Config tunes a Server; zero values take the defaults.
type Config struct {
	// SecureCookies marks the session cookie Secure; set it when the server
	// is reached over TLS (directly or behind a proxy).
	SecureCookies bool
	SessionTTL    time.Duration
	Passwords     auth.Params
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for the client address (sign-in limits, logs, fair visitor
	// counts); without them the address is the TCP peer.
	TrustedProxies auth.Proxies
	Now            func() time.Time
	// ReadyChecks are reported by /readyz besides the store.
	ReadyChecks []ReadyCheck
	// ReadyDetails are reported by /readyz under "details".
	ReadyDetails []ReadyDetail
	// ReadyTimeout bounds /readyz: a check that has not answered within it
	// counts as failed (default DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// Search serves /search and /listings/{id}/matches; without it they
	// answer 503.
	Search Searcher
	// StallAfter is how long an introduction may sit at one stage before it
	// counts as stalled (default app.DefaultStallAfter).
	StallAfter time.Duration
	// Screening applies export control; without it interests are not gated
	// and the screening checks answer 503.
	Screening Screening
	// WebhooksAllowLoopback lets webhooks point at loopback addresses, for
	// tests and local setups (serve --webhooks-allow-loopback). By default
	// only public addresses are accepted (notify.AddressPolicy).
	WebhooksAllowLoopback bool
}

// New returns a Server over store.
func New(store Store, log *slog.Logger, reg *metrics.Registry, cfg Config) *Server {
	s := &Server{
		store: store, log: log, metrics: reg,
		passwords:    cfg.Passwords,
		verify:       auth.VerifyPassword,
		limiter:      store,
		sessionTTL:   cfg.SessionTTL,
		proxies:      cfg.TrustedProxies,
		secure:       cfg.SecureCookies,
		now:          cfg.Now,
		readyChecks:  cfg.ReadyChecks,
		readyDetails: cfg.ReadyDetails,
		readyTimeout: cfg.ReadyTimeout,
		search:       cfg.Search,
		stallAfter:   cfg.StallAfter,
		screening:    cfg.Screening,
		hookAddrs:    notify.AddressPolicy{AllowLoopback: cfg.WebhooksAllowLoopback},
	}
	if s.stallAfter <= 0 {
		s.stallAfter = app.DefaultStallAfter
	}
	if s.readyTimeout <= 0 {
		s.readyTimeout = DefaultReadyTimeout
	}
	if s.passwords == (auth.Params{}) {
		s.passwords = auth.DefaultParams
	}
	s.dummyHash = auth.DummyHash(s.passwords)
	if s.sessionTTL == 0 {
		s.sessionTTL = 14 * 24 * time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// maxBody bounds request bodies; a listing's longest text is 20,000
// characters, so this leaves room for every field with margin.
const maxBody = 256 << 10

// Handler returns the API and operational endpoints. other, if not nil,
// serves every path they do not (the web interface).
func (s *Server) Handler(other http.Handler) http.Handler {
	apiMux := http.NewServeMux()
	cfg := huma.DefaultConfig("Kakehashi API", "1.0.0")
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.Info.Description = "Open-innovation partner matching: organizations, seeds and needs. " +
		"Authenticate with the session cookie from POST /auth/login, or with `Authorization: Bearer <token>` using a personal API token from POST /me/tokens."
	cfg.Servers = []*huma.Server{{URL: "/api/v1"}}
	cfg.CreateHooks = nil // no $schema links in bodies: responses stay plain JSON
	cfg.DocsPath = ""     // the default docs page loads scripts from a CDN
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "Personal API token (kkt_…)"},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookie},
	}
	api := humago.New(apiMux, cfg)
	api.UseMiddleware(func(ctx huma.Context, next func(huma.Context)) {
		if l := metrics.RouteFrom(ctx.Context()); l != nil {
			l.Set(ctx.Operation().OperationID)
		}
		next(ctx)
	})
	s.registerAuth(api)
	s.registerOrganizations(api)
	s.registerListings(api)
	s.registerUsers(api)
	s.registerAudit(api)
	s.registerSearch(api)
	s.registerIntroductions(api)
	s.registerFeeds(api)
	s.registerScreening(api)
	s.registerCalls(api)
	s.registerKPI(api)
	s.registerEvents(api)
	s.registerWebhooks(api)
	s.registerAlerts(api)
	s.registerResearchers(api)
	s.registerConsortia(api)
	s.registerFunding(api)

	apiMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no API route "+r.Method+" /api/v1"+r.URL.Path+"; see /api/v1/openapi.json", nil)
	})
	root := http.NewServeMux()
	root.Handle("/api/v1/", http.StripPrefix("/api/v1", s.authenticate(apiMux)))
	root.HandleFunc("GET /healthz", s.healthz)
	root.HandleFunc("GET /readyz", s.readyz)
	if other != nil {
		root.Handle("/", s.authenticate(other))
	}
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusForbidden, "cross-origin request refused: a browser may write only from this site's own pages", nil)
	}))
	return s.observe(csrf.Handler(root))
}

// MetricsHandler serves GET /metrics (Prometheus text format) and nothing
// else. It is not part of Handler: the metrics tell request rates, routes
// and database sizes, so they go on a listener of their own (serve
// --metrics-addr), kept off the public site.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	return mux
}

// schemaName names a type's schema in the OpenAPI document. Types of the
// capability packages are prefixed with their package (SearchHit,
// ScreeningHit), since several define a Hit or an Entry.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	switch pkg := path.Base(t.PkgPath()); pkg {
	case "search", "screening", "notify":
		return strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	return name
}

// observe resolves the client address behind the trusted proxies for
// everything downstream, logs every request and records its metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ip := s.proxies.ClientIP(r)
		ctx, route := metrics.WithRoute(auth.NewContextWithClientIP(r.Context(), ip), routeOf(r.URL.Path))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		d := time.Since(start)
		s.metrics.ObserveRequest(r.Method, route.Get(), rec.status, d)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", d), slog.String("remote", ip))
	})
}

// routeOf labels non-API paths for metrics without letting arbitrary paths
// create unbounded label values.
func routeOf(path string) string {
	switch {
	case path == "/healthz", path == "/readyz":
		return path
	case strings.HasPrefix(path, "/api/"):
		return "api_unmatched"
	}
	return "web"
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authenticate puts the caller's user into the request context: from a
// bearer API token, else from the session cookie. A bearer token that does
// not resolve is refused outright (a script should fail loudly); a stale
// session cookie just means an anonymous visitor.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeProblem(w, http.StatusUnauthorized, "Authorization header must be 'Bearer <token>'", nil)
				return
			}
			u, err := s.store.TokenUser(ctx, auth.HashToken(strings.TrimSpace(token)), s.now())
			if err != nil {
				status, msg := statusOf(err)
				writeProblem(w, status, msg, nil)
				return
			}
			ctx = context.WithValue(kakehashi.NewContextWithUser(ctx, u), viaKey{}, viaToken)
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			u, err := s.store.SessionUser(ctx, auth.HashToken(c.Value), s.now())
			switch {
			case err == nil:
				ctx = context.WithValue(kakehashi.NewContextWithUser(ctx, u), viaKey{}, viaSession)
			case kakehashi.ErrorCode(err) == kakehashi.EUNAUTHORIZED:
				http.SetCookie(w, s.sessionCookie("", -1))
			default:
				s.log.Error("read session", "err", err)
				writeProblem(w, http.StatusInternalServerError, "Internal error.", nil)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// via says how a request was authenticated.
type via int

const (
	viaNothing via = iota
	viaSession     // the session cookie
	viaToken       // a bearer API token
)

type viaKey struct{}

// authenticatedVia returns how the request of ctx was authenticated.
func authenticatedVia(ctx context.Context) via {
	v, _ := ctx.Value(viaKey{}).(via)
	return v
}

func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}

// statusOf maps a domain error to an HTTP status and a safe message.
func statusOf(err error) (int, string) {
	switch kakehashi.ErrorCode(err) {
	case kakehashi.ENOTFOUND:
		return http.StatusNotFound, kakehashi.ErrorMessage(err)
	case kakehashi.EINVALID:
		return http.StatusUnprocessableEntity, kakehashi.ErrorMessage(err)
	case kakehashi.EFORBIDDEN:
		return http.StatusForbidden, kakehashi.ErrorMessage(err)
	case kakehashi.ECONFLICT:
		return http.StatusConflict, kakehashi.ErrorMessage(err)
	case kakehashi.EUNAUTHORIZED:
		return http.StatusUnauthorized, kakehashi.ErrorMessage(err)
	case kakehashi.ETOOMANY:
		return http.StatusTooManyRequests, kakehashi.ErrorMessage(err)
	}
	return http.StatusInternalServerError, "Internal error."
}

// apiError converts a domain error into a Huma problem with one detail per
// invalid field, located in the request body. Internal errors are logged and
// answered without detail.
func (s *Server) apiError(ctx context.Context, err error) error {
	status, msg := statusOf(err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "internal error", "err", err)
	}
	var details []error
	for _, f := range kakehashi.FieldErrors(err) {
		details = append(details, &huma.ErrorDetail{Message: f.Message, Location: "body." + f.Field})
	}
	return huma.NewError(status, msg, details...)
}

// writeProblem answers outside Huma with the same problem+json shape.
func writeProblem(w http.ResponseWriter, status int, detail string, headers http.Header) {
	for k, v := range headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}

// requireUser returns the signed-in user or a 401 problem.
func requireUser(ctx context.Context) (*kakehashi.User, error) {
	u := kakehashi.UserFromContext(ctx)
	if u == nil {
		return nil, huma.Error401Unauthorized("sign in first, or send 'Authorization: Bearer <API token>'")
	}
	return u, nil
}

// Page is one page of a list with the cursor of the next one.
type Page[T any] struct {
	Items []T `json:"items"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// PageParams are the pagination query parameters.
type PageParams struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from a previous page's next_cursor."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k" + strconv.FormatInt(id, 10)))
}

// decodeCursor returns the id a cursor stands for, 0 for none.
func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 1 && b[0] == 'k' {
		if id, err := strconv.ParseInt(string(b[1:]), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, huma.Error400BadRequest("invalid cursor", &huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this API", Value: c})
}

// page builds a Page from limit+1 fetched items: the extra one only tells
// that another page exists.
func page[T any](items []T, limit int, id func(T) int64) Page[T] {
	p := Page[T]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.NextCursor = encodeCursor(id(items[limit-1]))
	}
	return p
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz reports whether this replica should receive traffic, with the
// state of each check. The checks run at once, each on its own goroutine,
// and /readyz answers within the ready timeout even if one of them does
// not return at all (a check stuck on a lock or a hung connection), saying
// that it did not answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.readyTimeout)
	defer cancel()
	checks := append([]ReadyCheck{{Name: "store", Check: s.store.Ready}}, s.readyChecks...)
	type result struct {
		name string
		err  error
	}
	// Buffered: a check that answers after the timeout does not block.
	results := make(chan result, len(checks))
	out := map[string]string{}
	for _, c := range checks {
		out[c.Name] = "no answer within " + s.readyTimeout.String()
		go func() { results <- result{c.Name, c.Check(ctx)} }()
	}
	status := http.StatusOK
wait:
	for range checks {
		select {
		case res := <-results:
			if res.err != nil {
				out[res.name] = res.err.Error()
				status = http.StatusServiceUnavailable
			} else {
				out[res.name] = "ok"
			}
		case <-ctx.Done():
			status = http.StatusServiceUnavailable
			break wait
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"ready": status == http.StatusOK, "checks": out}
	if len(s.readyDetails) > 0 {
		details := map[string]string{}
		for _, d := range s.readyDetails {
			details[d.Name] = d.Info()
		}
		body["details"] = details
	}
	json.NewEncoder(w).Encode(body)
}

// errTooMany is returned, with a Retry-After header, when sign-ins are rate limited.
func errTooMany(wait time.Duration) error {
	secs := int(wait.Seconds()) + 1
	return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests,
		"too many failed sign-in attempts; try again in "+strconv.Itoa(secs)+" seconds"),
		http.Header{"Retry-After": {strconv.Itoa(secs)}})
}
