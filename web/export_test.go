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
