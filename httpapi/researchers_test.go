package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
)

// TestResearcherAPI checks what the matrix does not: conflicts, field
// locations of bad input, filters, and links.
func TestResearcherAPI(t *testing.T) {
	e := newEnv(t, sqliteDSN, httpapi.Config{})
	seed := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	otherSeed := e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	body := map[string]any{"org_id": e.own.ID, "name": "Aiko Tanaka", "career_stage": "early_career", "orcid": "https://orcid.org/0000-0002-1825-0097",
		"keywords": []string{"solid electrolyte"}, "fields": []string{"2.5"}, "languages": []string{"ja"}, "listing_ids": []int64{seed.ID},
		"open_to": map[string]bool{"industry_collaboration": true}}
	r := e.do("POST", "/researchers", body, e.as(ownerAdmin)).want(t, s201)
	var created kakehashi.Researcher
	r.decode(t, &created)
	if created.ORCID != "0000-0002-1825-0097" || len(created.ListingIDs) != 1 {
		t.Fatalf("created %+v", created)
	}
	// The same ORCID iD again: 409 naming the field.
	body["name"] = "Someone Else"
	e.do("POST", "/researchers", body, e.as(ownerAdmin)).wantProblem(t, s409, "body.orcid")
	// Bad input: 422 with each field located.
	bad := map[string]any{"org_id": e.own.ID, "name": "", "career_stage": "early_career", "fields": []string{"9.9"},
		"publications": []map[string]any{{"title": "x", "year": 1800}}}
	e.do("POST", "/researchers", bad, e.as(ownerAdmin)).wantProblem(t, s422, "body.name", "body.fields[0]", "body.publications[0].year")
	bad = map[string]any{"org_id": e.own.ID, "name": "Z", "career_stage": "junior"}
	e.do("POST", "/researchers", bad, e.as(ownerAdmin)).wantProblem(t, s422)
	// A seed of another organization the admin may not edit cannot be linked.
	e.do("PATCH", fmt.Sprintf("/researchers/%d", created.ID), map[string]any{"listing_ids": []int64{seed.ID, otherSeed.ID}}, e.as(ownerAdmin)).
		wantProblem(t, s422, "body.listing_ids[1]")
	// Staff may.
	e.do("PATCH", fmt.Sprintf("/researchers/%d", created.ID), map[string]any{"listing_ids": []int64{seed.ID, otherSeed.ID}}, e.as(coordinator)).want(t, s200)
	// Filters.
	r = e.do("GET", fmt.Sprintf("/researchers?listing_id=%d&open_to=industry_collaboration&career_stage=early_career&country=JP&q=tanaka", otherSeed.ID), nil).want(t, s200)
	if !strings.Contains(string(r.body), "Aiko Tanaka") {
		t.Errorf("filters: %s", r.body)
	}
	e.do("GET", "/researchers?country=UK", nil).wantProblem(t, 400, "query.country")
	e.do("GET", "/researchers?career_stage=junior", nil).wantProblem(t, 422)
	e.do("GET", "/researchers/0", nil).wantProblem(t, 422)
}
