package web

import "net/http"

// CallStore is what the challenge-call pages need from the store.
type CallStore interface{}

// registerCalls adds the challenge-call pages.
func (h *Handler) registerCalls(m *http.ServeMux) {}
