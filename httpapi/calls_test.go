package httpapi_test

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testclock"
)

// TestCallThroughTheAPI runs a call from publication to an adopted proposal
// through the API: validation with field errors, a draft submitted before
// the deadline (and refused after it), reviews, the weighted ranking, stage
// moves with feedback, the introduction an adoption opens, and statistics.
func TestCallThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDSN, httpapi.Config{})
	// The store's clock, moved past the deadline at the end.
	var clock atomic.Int64
	e.db.Now = func() time.Time {
		if n := clock.Load(); n != 0 {
			return time.Unix(0, n)
		}
		return testclock.Now()
	}
	owner := e.as(ownerAdmin)
	proposer := session(e.signIn(e.third.Email, "password of third"))
	reviewer := e.as(otherMember)

	bad := map[string]any{"theme": "", "language": "en", "deadline": "2099-03-31T17:00:00+09:00", "time_zone": "Nowhere/City",
		"currency": "JPY", "trl_min": 5, "trl_max": 2, "criteria": []map[string]any{{"name": "Impact", "weight": 0}}}
	e.do("POST", "/calls", bad, owner).wantProblem(t, 422, "body.theme", "body.time_zone", "body.trl_max", "body.criteria[0].weight")

	body := map[string]any{"theme": "Winter-proof bus batteries", "background": "Solid-state cells for city buses.", "language": "en",
		"deadline": "2099-03-31T17:00:00+09:00", "time_zone": "Asia/Tokyo", "budget": 50000000, "currency": "JPY", "trl_min": 3, "trl_max": 6,
		"eligible_countries": []string{"GB", "JP"},
		"criteria":           []map[string]any{{"name": "Feasibility", "weight": 3}, {"name": "Impact", "weight": 1}}, "ip_terms": "Background IP stays."}
	call := e.do("POST", "/calls", body, owner).want(t, 201).obj(t)
	callID := id(call, "id")
	if call["open"] != true || id(call, "listing_id") == 0 || id(call, "org_id") != e.own.ID || !strings.HasPrefix(call["deadline"].(string), "2099-03-31T08:00:00") {
		t.Fatalf("created call %v", call)
	}
	// The other organization is in the US: not eligible.
	e.do("POST", fmt.Sprintf("/calls/%d/proposals", callID), proposalJSON, reviewer).wantProblem(t, 403)
	e.do("POST", fmt.Sprintf("/calls/%d/proposals", callID), map[string]any{"summary": "x", "approach": "y", "team": "z", "trl": 9}, proposer).
		wantProblem(t, 422, "body.trl")
	p := e.do("POST", fmt.Sprintf("/calls/%d/proposals", callID), proposalJSON, proposer).want(t, 201).obj(t)
	pid := id(p, "id")
	if p["status"] != "draft" {
		t.Fatalf("new proposal %v", p)
	}
	e.do("GET", fmt.Sprintf("/proposals/%d", pid), nil, owner).wantProblem(t, 404)
	e.do("PATCH", fmt.Sprintf("/proposals/%d", pid), map[string]any{"team": "Five people."}, proposer).want(t, 200)
	e.do("POST", fmt.Sprintf("/proposals/%d/submit", pid), nil, proposer).want(t, 200)
	e.do("POST", fmt.Sprintf("/proposals/%d/submit", pid), nil, proposer).wantProblem(t, 409)
	e.do("PATCH", fmt.Sprintf("/proposals/%d", pid), map[string]any{"team": "Six."}, proposer).wantProblem(t, 409)

	stage := func(to, feedback string, status int) {
		t.Helper()
		r := e.do("POST", fmt.Sprintf("/proposals/%d/stage", pid), map[string]any{"to": to, "feedback": feedback}, owner)
		if status >= 400 {
			r.wantProblem(t, status)
		} else {
			r.want(t, status)
		}
	}
	stage("review", "", 409)
	stage("screening", "", 200)
	stage("review", "", 200)
	e.do("POST", fmt.Sprintf("/proposals/%d/reviewers", pid), map[string]any{"user_id": e.actors[otherMember].user.ID}, owner).want(t, 200)
	e.do("POST", fmt.Sprintf("/proposals/%d/reviewers", pid), map[string]any{"user_id": e.third.ID}, owner).wantProblem(t, 422, "body.user_id")
	scores := []map[string]any{{"criterion": "Feasibility", "score": 9, "comment": "Strong data."}, {"criterion": "Impact", "score": 5, "comment": "One city."}}
	e.do("PUT", fmt.Sprintf("/proposals/%d/review", pid), map[string]any{"scores": scores[:1]}, reviewer).wantProblem(t, 422, "body.scores")
	e.do("PUT", fmt.Sprintf("/proposals/%d/review", pid), map[string]any{"scores": scores}, reviewer).want(t, 200)
	if rs := e.do("GET", fmt.Sprintf("/proposals/%d/reviews", pid), nil, proposer); rs.status != 403 {
		t.Fatalf("the proposer reads the reviews: %d", rs.status)
	}
	var rank []struct {
		Proposal map[string]any
		Score    float64
		Reviews  int
	}
	e.do("GET", fmt.Sprintf("/calls/%d/ranking", callID), nil, owner).want(t, 200).decode(t, &rank)
	if len(rank) != 1 || math.Abs(rank[0].Score-8) > 1e-9 || rank[0].Reviews != 1 { // (3×9 + 1×5)/4 = 8
		t.Fatalf("ranking %+v, want one proposal scored 8", rank)
	}
	e.do("PATCH", fmt.Sprintf("/calls/%d", callID), map[string]any{"criteria": []map[string]any{{"name": "Cost", "weight": 1}}}, owner).wantProblem(t, 409, "body.criteria")
	stage("finalist", "", 200)
	e.do("POST", fmt.Sprintf("/proposals/%d/stage", pid), map[string]any{"to": "adopted"}, owner).wantProblem(t, 422, "body.feedback")
	stage("adopted", "The strongest feasibility case.", 200)
	got := e.do("GET", fmt.Sprintf("/proposals/%d", pid), nil, proposer).want(t, 200).obj(t)
	introID := id(got, "introduction_id")
	if got["status"] != "adopted" || got["feedback"] != "The strongest feasibility case." || introID == 0 {
		t.Fatalf("adopted proposal as the proposer sees it: %v", got)
	}
	in := e.do("GET", fmt.Sprintf("/introductions/%d", introID), nil, proposer).want(t, 200).obj(t)
	if in["stage"] != "introduced" || id(in, "listing_id") != id(call, "listing_id") {
		t.Fatalf("the adoption's introduction %v", in)
	}
	e.do("GET", fmt.Sprintf("/introductions/%d", introID), nil, owner).want(t, 200)
	var notes []map[string]any
	e.do("GET", "/me/notifications", nil, proposer).want(t, 200).decode(t, &notes)
	found := false
	for _, n := range notes {
		found = found || n["kind"] == "decision" && strings.Contains(n["subject"].(string), "The strongest feasibility case.")
	}
	if !found {
		t.Fatalf("no decision with feedback in the proposer's inbox: %v", notes)
	}
	stats := e.do("GET", fmt.Sprintf("/calls/%d/stats", callID), nil, owner).want(t, 200).obj(t)
	if stats["proposals"] != float64(1) || stats["by_country"].(map[string]any)["GB"] != float64(1) {
		t.Fatalf("stats %v", stats)
	}
	e.index()
	e.do("GET", fmt.Sprintf("/calls/%d/matches", callID), nil).want(t, 200)

	// After the deadline, a draft is not submitted.
	late := e.do("POST", "/calls", body, owner).want(t, 201).obj(t)
	draft := e.do("POST", fmt.Sprintf("/calls/%d/proposals", id(late, "id")), proposalJSON, proposer).want(t, 201).obj(t)
	late1 := time.Date(2099, 3, 31, 8, 0, 1, 0, time.UTC).UnixNano()
	clock.Store(late1)
	proposer = session(e.signIn(e.third.Email, "password of third")) // the old session expired with the jump
	pr := e.do("POST", fmt.Sprintf("/proposals/%d/submit", id(draft, "id")), nil, proposer).wantProblem(t, 409)
	if !strings.Contains(pr.Detail, "closed") || !strings.Contains(pr.Detail, "2099-03-31 17:00") {
		t.Fatalf("deadline refusal %q", pr.Detail)
	}
}
