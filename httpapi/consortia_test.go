package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestConsortiumThroughTheAPI starts a consortium, adds a member (twice:
// 409 naming it), has a third organization ask to join and the lead
// approve, plans tasks (dates outside the term and non-member owners get
// 422 on the field), and finds funding that fits the consortium and an
// introduction.
func TestConsortiumThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDSN, httpapi.Config{})
	lead := e.as(ownerAdmin)

	bad := map[string]any{"title": "", "description": "x", "start": "2027-13-01", "end": "2026-01-01"}
	e.do("POST", "/consortia", bad, lead).wantProblem(t, 422, "body.title", "body.start")
	bad = map[string]any{"title": "T", "description": "x", "start": "2027-04-01", "end": "2026-01-01"}
	e.do("POST", "/consortia", bad, lead).wantProblem(t, 422, "body.end")

	body := map[string]any{"title": "Cold-climate solid-state batteries", "title_ja": "寒冷地向け全固体電池", "description": "Sulfide electrolytes for buses.",
		"keywords": []string{"solid electrolyte"}, "fields": []string{"2.5"}, "start": "2027-04-01", "end": "2030-03-31", "public": true}
	var c struct {
		ID      int64
		Members []kakehashi.Membership
	}
	e.do("POST", "/consortia", body, lead).want(t, 201).decode(t, &c)
	if len(c.Members) != 1 || c.Members[0].OrgID != e.own.ID || c.Members[0].Role != kakehashi.MemberLead {
		t.Fatalf("members of a new consortium: %+v", c.Members)
	}
	path := fmt.Sprintf("/consortia/%d", c.ID)

	e.do("POST", path+"/members", map[string]any{"org_id": e.other.ID}, lead).want(t, 201)
	p := e.do("POST", path+"/members", map[string]any{"org_id": e.other.ID, "role": "observer"}, lead).wantProblem(t, 409, "body.org_id")
	if !strings.Contains(p.Detail, e.other.Name) {
		t.Errorf("409 detail %q does not name %q", p.Detail, e.other.Name)
	}

	task := map[string]any{"title": "Cell prototypes", "owner_org_id": e.other.ID, "start": "2027-03-31", "due": "2027-12-31"}
	e.do("POST", path+"/tasks", task, lead).wantProblem(t, 422, "body.start")
	task["start"], task["owner_org_id"] = "2027-04-01", e.third.OrgID
	e.do("POST", path+"/tasks", task, lead).wantProblem(t, 422, "body.owner_org_id")
	task["owner_org_id"] = e.other.ID
	var tk kakehashi.Task
	e.do("POST", path+"/tasks", task, lead).want(t, 201).decode(t, &tk)
	var tk2 kakehashi.Task
	e.do("PATCH", fmt.Sprintf("%s/tasks/%d", path, tk.ID), map[string]any{"status": "done"}, lead).want(t, 200).decode(t, &tk2)
	if tk2.Status != kakehashi.TaskDone || !tk2.Start.Equal(tk.Start) {
		t.Errorf("task after status change: %+v", tk2)
	}
	e.do("PATCH", fmt.Sprintf("%s/tasks/%d", path, tk.ID), map[string]any{"status": "finished"}, lead).wantProblem(t, 422, "body.status")

	// The third organization's admin asks to join; the lead approves.
	e.user("third-admin", e.third.OrgID, kakehashi.RoleOrgAdmin, "", "password of third admin")
	admins, _ := e.db.Users(context.Background(), kakehashi.UserFilter{OrgID: e.third.OrgID})
	var thirdAdmin *kakehashi.User
	for _, u := range admins {
		if u.OrgRole == kakehashi.RoleOrgAdmin {
			thirdAdmin = u
		}
	}
	asThird := session(e.signIn(thirdAdmin.Email, "password of third admin"))
	e.do("POST", path+"/requests", map[string]any{"message": "We test cells in the cold."}, asThird).want(t, 201)
	e.do("POST", path+"/requests", map[string]any{}, asThird).wantProblem(t, 409)
	e.do("POST", fmt.Sprintf("%s/requests/%d/approve", path, e.third.OrgID), nil, asThird).wantProblem(t, 403)
	var m kakehashi.Membership
	e.do("POST", fmt.Sprintf("%s/requests/%d/approve", path, e.third.OrgID), nil, lead).want(t, 200).decode(t, &m)
	if m.Status != kakehashi.MembershipActive {
		t.Errorf("approved: %+v", m)
	}

	// Funding: a funder's admin publishes; a university may not.
	funder := storetest.Org("funder-api", "JP")
	funder.Kind = kakehashi.OrgFunder
	if err := e.db.CreateOrganization(context.Background(), funder, system); err != nil {
		t.Fatal(err)
	}
	fa := e.user("funder-admin", funder.ID, kakehashi.RoleOrgAdmin, "", "password of funder")
	asFunder := session(e.signIn(fa.Email, "password of funder"))
	call := map[string]any{"programme": "Solid electrolyte bridging grant", "description": "Joint research on sulfide solid electrolytes.",
		"eligible_kinds": []string{"university"}, "eligible_countries": []string{"JP"}, "amount_min": 1000000, "amount_max": 50000000,
		"currency": "JPY", "deadline": "2099-03-31T17:00:00+09:00", "keywords": []string{"全固体電池"}}
	own := map[string]any{"org_id": e.own.ID}
	for k, v := range call {
		own[k] = v
	}
	e.do("POST", "/funding-calls", own, lead).wantProblem(t, 422, "body.org_id")
	badCall := map[string]any{"programme": "x", "description": "y", "amount_min": 5, "amount_max": 1, "currency": "JPY", "deadline": "2099-03-31T17:00:00+09:00"}
	e.do("POST", "/funding-calls", badCall, asFunder).wantProblem(t, 422, "body.amount_max")
	e.do("POST", "/funding-calls", call, asFunder).want(t, 201)

	var fits []kakehashi.FundingMatch
	e.do("GET", path+"/funding", nil).want(t, 200).decode(t, &fits)
	if len(fits) != 1 || len(fits[0].Terms) == 0 || fits[0].Rules[1].Rule != "applicant" {
		t.Fatalf("consortium funding: %+v", fits)
	}
	in := e.intro(kakehashi.VisibilityPublic)
	e.do("GET", fmt.Sprintf("/introductions/%d/funding", in.ID), nil).wantProblem(t, 401)
	e.do("GET", fmt.Sprintf("/introductions/%d/funding", in.ID), nil, e.as(ownerMember)).want(t, 200).decode(t, &fits)
	if len(fits) != 1 || !strings.Contains(fits[0].Rules[1].Detail, e.own.Name) {
		t.Fatalf("introduction funding: %+v", fits)
	}
}
