package web

import "net/http"

// EventStore is what the business-matching event pages need from the store.
type EventStore interface{}

// registerEvents adds the business-matching event pages.
func (h *Handler) registerEvents(m *http.ServeMux) {}
