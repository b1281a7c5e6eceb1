package httpapi

import "github.com/danielgtaylor/huma/v2"

// EventStore is what the business-matching event routes need from the store.
type EventStore interface{}

// registerEvents adds the business-matching event routes.
func (s *Server) registerEvents(api huma.API) {}
