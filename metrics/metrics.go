// Package metrics exposes Kakehashi's operational metrics in the Prometheus
// text exposition format: request counts and latency histograms per route,
// plus gauges read from the application when scraped.
package metrics

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// buckets are the latency histogram's upper bounds in seconds.
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type requestKey struct {
	method, route string
	status        int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

// Gauge is a value read at scrape time.
type Gauge struct {
	Name, Help string
	// Read returns the current values keyed by a label set such as
	// `side="seed"` ("" for no labels).
	Read func(ctx context.Context) (map[string]float64, error)
}

// Registry collects the metrics of one server.
type Registry struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram
	gauges   []Gauge
	started  time.Time
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{requests: map[requestKey]uint64{}, latency: map[string]*histogram{}, started: time.Now()}
}

// AddGauge registers a gauge read at every scrape.
func (r *Registry) AddGauge(g Gauge) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gauges = append(r.gauges, g)
}

// ObserveRequest records one served request.
func (r *Registry) ObserveRequest(method, route string, status int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[requestKey{method, route, status}]++
	h := r.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets)+1)}
		r.latency[route] = h
	}
	sec := d.Seconds()
	i := sort.SearchFloat64s(buckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// writeCounters writes the request counters and latency histograms under
// the lock and returns the gauges and the start time, which are read
// after it is released (a gauge may be slow: it may query the database).
func (r *Registry) writeCounters(b *strings.Builder) ([]Gauge, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b.WriteString("# HELP kakehashi_http_requests_total HTTP requests served.\n# TYPE kakehashi_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(r.requests))
	for k := range r.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.route != c.route {
			return a.route < c.route
		}
		if a.method != c.method {
			return a.method < c.method
		}
		return a.status < c.status
	})
	for _, k := range keys {
		fmt.Fprintf(b, "kakehashi_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n", k.method, k.route, k.status, r.requests[k])
	}
	b.WriteString("# HELP kakehashi_http_request_duration_seconds Time to serve a request.\n# TYPE kakehashi_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(r.latency))
	for k := range r.latency {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, route := range routes {
		h := r.latency[route]
		var cum uint64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(b, "kakehashi_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", route, le, cum)
		}
		fmt.Fprintf(b, "kakehashi_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(b, "kakehashi_http_request_duration_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(b, "kakehashi_http_request_duration_seconds_count{route=%q} %d\n", route, h.n)
	}
	return append([]Gauge(nil), r.gauges...), r.started
}

// ServeHTTP writes the metrics in the Prometheus text format.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var b strings.Builder
	gauges, started := r.writeCounters(&b)
	fmt.Fprintf(&b, "# HELP kakehashi_uptime_seconds Seconds since the process started.\n# TYPE kakehashi_uptime_seconds gauge\nkakehashi_uptime_seconds %g\n", time.Since(started).Seconds())
	for _, g := range gauges {
		vals, err := g.Read(req.Context())
		if err != nil {
			continue // a failing gauge must not hide the others
		}
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", g.Name, g.Help, g.Name)
		labels := make([]string, 0, len(vals))
		for l := range vals {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			if l == "" {
				fmt.Fprintf(&b, "%s %g\n", g.Name, vals[l])
			} else {
				fmt.Fprintf(&b, "%s{%s} %g\n", g.Name, l, vals[l])
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}

// Route is a mutable route label: the outermost middleware creates it and
// the router fills in the matched route, which the middleware then records.
type Route struct{ v atomic.Value }

// Set names the matched route.
func (r *Route) Set(s string) { r.v.Store(s) }

// Get returns the route name.
func (r *Route) Get() string { s, _ := r.v.Load().(string); return s }

type routeKey struct{}

// WithRoute returns a context carrying a Route with a default label.
func WithRoute(ctx context.Context, def string) (context.Context, *Route) {
	r := &Route{}
	r.Set(def)
	return context.WithValue(ctx, routeKey{}, r), r
}

// RouteFrom returns the context's Route, or nil.
func RouteFrom(ctx context.Context) *Route {
	r, _ := ctx.Value(routeKey{}).(*Route)
	return r
}
