package httpapi

import "github.com/danielgtaylor/huma/v2"

// CallStore is what the challenge-call routes need from the store.
type CallStore interface{}

// registerCalls adds the challenge-call routes.
func (s *Server) registerCalls(api huma.API) {}
