package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
)

// TestNULRefused writes text holding a NUL byte through the API, on both
// backends (PostgreSQL cannot store one): each write is refused with a 422
// naming the field, and nothing is stored.
func TestNULRefused(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.dsn, httpapi.Config{})
			member := e.as(ownerMember)
			l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
			in := e.intro(kakehashi.VisibilityPublic)
			const counts = `SELECT (SELECT COUNT(*) FROM listings) + (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM introductions)`
			before := e.count(counts)
			for _, tc := range []struct {
				name, method, path string
				body               map[string]any
				as                 cred
				location           string
			}{
				{"listing title", "POST", "/listings", validListing("Solid\x00electrolyte"), member, "body.title"},
				{"listing summary", "POST", "/listings", with(validListing("Fine"), "summary", "\x00"), member, "body.summary"},
				{"listing keyword", "POST", "/listings", with(validListing("Fine"), "keywords", []string{"ok", "bat\x00tery"}), member, "body.keywords[1]"},
				{"listing title change", "PATCH", fmt.Sprintf("/listings/%d", l.ID), map[string]any{"title": "New\x00"}, member, "body.title"},
				{"message", "POST", fmt.Sprintf("/introductions/%d/messages", in.ID), map[string]any{"body": "Shall we\x00 meet?"}, member, "body.body"},
				{"interest", "POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]any{"message": "Interested\x00"}, e.as(otherMember), "body.message"},
				{"organization", "POST", "/organizations", map[string]any{"name": "Nul\x00 Inc", "kind": "company", "country": "JP"}, e.as(admin), "body.name"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.with(t).do(tc.method, tc.path, tc.body, tc.as).wantProblem(t, http.StatusUnprocessableEntity, tc.location)
				})
			}
			if after := e.count(counts); after != before {
				t.Errorf("refused writes stored %d records", after-before)
			}
			if stored, err := e.db.Listing(context.Background(), l.ID); err != nil || stored.Title != l.Title {
				t.Errorf("listing %d after a refused change: %+v, %v", l.ID, stored, err)
			}
		})
	}
}
