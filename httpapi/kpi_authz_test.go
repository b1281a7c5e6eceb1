package httpapi_test

import (
	"encoding/json"
	"fmt"
)

// kpiAuthzCases are the matrix rows of the KPI dashboard and fact books.
func kpiAuthzCases() []authzCase {
	return []authzCase{
		{op: "GET /kpis", want: staffOnly, run: func(e *testEnv, c cell) (*response, func()) {
			return e.do("GET", "/kpis?from=2026-01&to=2026-12&country=JP", nil, e.as(c.actor)), nil
		}},
		{op: "GET /organizations/{id}/factbook", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			r := e.do("GET", fmt.Sprintf("/organizations/%d/factbook", e.own.ID), nil, e.as(c.actor))
			return r, func() {
				// Pipeline figures only for the organization's members and staff.
				var fb struct{ Pipeline bool }
				if err := json.Unmarshal(r.body, &fb); err != nil {
					e.t.Fatal(err)
				}
				if want := c.actor == ownerMember || c.actor == ownerAdmin || c.actor == coordinator || c.actor == admin; fb.Pipeline != want {
					e.t.Errorf("%s: pipeline = %v, want %v", c.actor, fb.Pipeline, want)
				}
			}
		}},
	}
}
