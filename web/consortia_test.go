package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
)

// TestConsortiumPagesAccess checks over plain HTTP who may see and do what
// on the consortium and funding pages: a private consortium is invisible
// outside, only the lead's admins and staff decide requests and plan tasks,
// a second request is a 409 that names the organization, bad dates and
// owners come back on the field, and only funders publish funding calls.
func TestConsortiumPagesAccess(t *testing.T) {
	t.Parallel()
	base, db := startStack(t)
	anon := browserless(t, base, "")
	rd := browserless(t, base, hoshizoraEmail)
	engineer := browserless(t, base, "engineer@minato-seiki.example")
	founder := browserless(t, base, bostonEmail)
	coord := browserless(t, base, "coordinator@kakehashi.example")

	// A private consortium, with an invalid form first.
	form := url.Values{"title": {"Closed battery club"}, "description": {"Members only."}, "start": {"2027-04-01"}, "end": {"2026-04-01"}}
	post(t, rd, base+"/consortia/new", form).want(t, http.StatusUnprocessableEntity, `id="err-end"`)
	form.Set("end", "2029-03-31")
	p := post(t, rd, base+"/consortia/new", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: status %d; %.800s", p.status, p.body)
	}
	id := locationID(t, p)
	page := fmt.Sprintf("%s/consortia/%d", base, id)
	get(t, rd, page).want(t, http.StatusOK, "Closed battery club", "Members only")
	get(t, anon, page).want(t, http.StatusNotFound)
	get(t, founder, page).want(t, http.StatusNotFound)
	get(t, coord, page).want(t, http.StatusOK)
	if strings.Contains(get(t, anon, base+"/consortia").want(t, http.StatusOK).body, "Closed battery club") {
		t.Error("a private consortium is listed for anonymous visitors")
	}
	post(t, founder, page+"/join", url.Values{"role": {"member"}}).want(t, http.StatusNotFound)
	boston, err := db.OrganizationByExternalID(t.Context(), "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	task := url.Values{"title": {"WP1"}, "owner_org_id": {strconv.FormatInt(boston.ID, 10)}, "start": {"2027-05-01"}, "due": {"2027-06-01"}, "status": {"planned"}}
	post(t, rd, page+"/tasks", task).want(t, http.StatusUnprocessableEntity, "not a member of the consortium")
	// The lead adds the organization (twice: 409 naming it), plans the
	// task, and cannot then move the start past it.
	add := url.Values{"org_id": {strconv.FormatInt(boston.ID, 10)}, "role": {"member"}}
	post(t, founder, page+"/members", add).want(t, http.StatusNotFound)
	if r := post(t, rd, page+"/members", add); r.status != http.StatusSeeOther {
		t.Fatalf("add member: status %d; %.500s", r.status, r.body)
	}
	post(t, rd, page+"/members", add).want(t, http.StatusConflict, "Boston BioVentures Inc.", "already a member")
	if r := post(t, rd, page+"/tasks", task); r.status != http.StatusSeeOther {
		t.Fatalf("add task: status %d; %.800s", r.status, r.body)
	}
	get(t, founder, page).want(t, http.StatusOK, "WP1")
	get(t, founder, page+"/edit").want(t, http.StatusForbidden)
	edit := url.Values{"title": {"Closed battery club"}, "description": {"Members only."}, "start": {"2027-06-01"}, "end": {"2029-03-31"}}
	post(t, rd, page+"/edit", edit).want(t, http.StatusUnprocessableEntity, "tasks start before it")
	edit.Set("start", "2027-04-01")
	edit.Set("public", "1")
	if r := post(t, rd, page+"/edit", edit); r.status != http.StatusSeeOther {
		t.Fatalf("edit: status %d; %.800s", r.status, r.body)
	}
	get(t, anon, page).want(t, http.StatusOK, "Closed battery club")

	// The demo's JP-led consortium: a request, refused deciders, approval.
	list, err := db.Consortia(t.Context(), kakehashi.ConsortiumFilter{})
	if err != nil || len(list) < 2 {
		t.Fatalf("demo consortia %v, %v", list, err)
	}
	jp := fmt.Sprintf("%s/consortia/%d", base, list[0].ID)
	get(t, founder, jp).want(t, http.StatusOK, `id="join"`)
	if r := post(t, founder, jp+"/join", url.Values{"role": {"observer"}, "message": {"We follow the field."}}); r.status != http.StatusSeeOther {
		t.Fatalf("join: status %d", r.status)
	}
	approve := fmt.Sprintf("%s/requests/%d/approve", jp, boston.ID)
	post(t, founder, approve, nil).want(t, http.StatusForbidden)
	post(t, engineer, approve, nil).want(t, http.StatusForbidden)
	post(t, anon, approve, nil).want(t, http.StatusSeeOther)
	if r := post(t, coord, approve, nil); r.status != http.StatusSeeOther {
		t.Fatalf("approve by a coordinator: status %d; %.500s", r.status, r.body)
	}
	post(t, founder, jp+"/join", url.Values{"role": {"member"}}).want(t, http.StatusConflict, "already a member")
	get(t, founder, jp).want(t, http.StatusOK, "Boston BioVentures")
	post(t, coord, approve, nil).want(t, http.StatusConflict, "decided already")
	get(t, anon, jp, "ja").want(t, http.StatusOK, "幹事機関", "条件に合う助成")

	// Funding calls: a startup is no funder; a coordinator publishes for one.
	call := url.Values{"programme": {"Seed grants"}, "description": {"For battery research."}, "amount_max": {"1,000,000"}, "currency": {"JPY"},
		"deadline": {"2099-01-31"}, "eligible_countries": {"JP"}}
	post(t, founder, base+"/funding/new", call).want(t, http.StatusUnprocessableEntity, "funders and government bodies")
	frontier, err := db.OrganizationByExternalID(t.Context(), "demo:org:jp-science-frontier")
	if err != nil {
		t.Fatal(err)
	}
	call.Set("org_id", strconv.FormatInt(frontier.ID, 10))
	r := post(t, coord, base+"/funding/new", call)
	if r.status != http.StatusSeeOther {
		t.Fatalf("publish: status %d; %.800s", r.status, r.body)
	}
	get(t, anon, base+r.location).want(t, http.StatusOK, "Seed grants", "1,000,000")
	get(t, anon, base+"/funding").want(t, http.StatusOK, "Seed grants")
	callPage := base + strings.TrimSuffix(r.location, "?saved=1")
	get(t, founder, callPage+"/edit").want(t, http.StatusForbidden)
	get(t, coord, callPage+"/edit").want(t, http.StatusOK, `value="Seed grants"`, `value="2099-01-31"`, `value="1,000,000"`)
	call.Set("programme", "Seed grants, second round")
	call.Set("amount_max", "500")
	call.Set("amount_min", "1000")
	post(t, coord, callPage+"/edit", call).want(t, http.StatusUnprocessableEntity, `id="err-amount_max"`)
	call.Set("amount_min", "0")
	if r := post(t, coord, callPage+"/edit", call); r.status != http.StatusSeeOther {
		t.Fatalf("edit funding call: status %d; %.800s", r.status, r.body)
	}
	get(t, anon, callPage).want(t, http.StatusOK, "Seed grants, second round")
	post(t, founder, callPage+"/delete", nil).want(t, http.StatusForbidden)
	if r := post(t, coord, callPage+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete funding call: status %d", r.status)
	}
	get(t, anon, callPage).want(t, http.StatusNotFound)
}
