package web

import (
	"net/http"
	"slices"
)

// Routes returns the patterns h serves, in the order registered: the
// authorization matrix (authz_test.go) has a row for each.
func (h *Handler) Routes() []string { return slices.Clone(h.routes) }

// RouteOf returns the pattern that serves r, so that a matrix row can check
// that its request reaches the route it claims to test.
func (h *Handler) RouteOf(r *http.Request) string {
	_, pattern := h.mux.Handler(r)
	return pattern
}

// Defines lists the names of every template the pages define, for the
// test of fragment requests.
func (h *Handler) Defines() []string {
	seen := map[string]bool{}
	for _, t := range h.pages {
		for _, d := range t.Templates() {
			seen[d.Name()] = true
		}
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
