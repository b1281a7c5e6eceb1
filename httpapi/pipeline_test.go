package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/testclock"
)

// TestPipelineThroughTheAPI runs an introduction from interest to a won
// agreement through the API, as the check describes, and checks the
// confidential owner stays hidden until acceptance.
func TestPipelineThroughTheAPI(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	e := newEnv(t, sqliteDSN, httpapi.Config{Now: clock.Now, StallAfter: 14 * 24 * time.Hour})
	requester := session(e.signIn(e.third.Email, "password of third"))
	owner := e.as(ownerMember)
	l := e.listing(e.own.ID, kakehashi.VisibilityConfidential, kakehashi.StatusOpen)

	// Before acceptance the requester sees neither the owner nor the body.
	m := e.do("GET", fmt.Sprintf("/listings/%d", l.ID), nil, requester).want(t, 200).obj(t)
	if m["org_hidden"] != true || m["body"] != "" {
		t.Fatalf("confidential listing shown to a requester before acceptance: %v", m)
	}
	in := e.do("POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]any{"message": "We would like to license this."}, requester).want(t, 201).obj(t)
	introID := id(in, "id")
	if in["owner_hidden"] != true || in["stage"] != "interest" {
		t.Fatalf("new interest as the requester sees it: %v", in)
	}
	e.do("POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]any{"message": "Again"}, requester).wantProblem(t, 409)
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), map[string]any{"to": "introduced"}, requester).wantProblem(t, 403)
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), map[string]any{"to": "meeting"}, owner).wantProblem(t, 409, "body.to")
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), map[string]any{"to": "warp"}, owner).wantProblem(t, 422, "body.to")

	steps := []struct {
		who  cred
		body map[string]any
	}{
		{owner, map[string]any{"to": "introduced"}},
		{requester, map[string]any{"to": "meeting", "note": "Call on 3 December"}},
		{owner, map[string]any{"to": "nda"}},
		{owner, map[string]any{"to": "agreement", "agreement": map[string]any{"type": "license", "parties": []string{"Own", "Third"},
			"value": 5000000, "currency": "JPY", "date": "2027-01-15T00:00:00Z"}}},
		{requester, map[string]any{"to": "closed", "outcome": "won"}},
	}
	for i, s := range steps {
		clock.Advance(24 * time.Hour)
		got := e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), s.body, s.who).want(t, 200).obj(t)
		if got["stage"] != s.body["to"] {
			t.Fatalf("step %d: stage %v", i, got["stage"])
		}
		if i == 0 {
			// Accepted: the requester now sees the listing in full.
			m := e.do("GET", fmt.Sprintf("/listings/%d", l.ID), nil, requester).want(t, 200).obj(t)
			if m["org_hidden"] != nil || m["body"] != l.Body || id(m, "org_id") != e.own.ID {
				t.Fatalf("after acceptance the requester still does not see the listing: %v", m)
			}
			if id(got, "owner_org_id") != e.own.ID {
				t.Fatalf("after acceptance the owner is still hidden: %v", got)
			}
		}
	}
	var events []kakehashi.StageEvent
	e.do("GET", fmt.Sprintf("/introductions/%d/events", introID), nil, owner).want(t, 200).decode(t, &events)
	var path []kakehashi.Stage
	for _, ev := range events {
		path = append(path, ev.To)
	}
	if !slices.Equal(path, []kakehashi.Stage{"interest", "introduced", "meeting", "nda", "agreement", "closed"}) {
		t.Fatalf("history %v", path)
	}
	var audit struct{ Items []kakehashi.AuditEvent }
	e.do("GET", fmt.Sprintf("/audit?record_type=introduction&record_id=%d", introID), nil, e.as(admin)).want(t, 200).decode(t, &audit)
	if len(audit.Items) != 6 {
		t.Fatalf("%d audit entries for the introduction, want 6 (create + 5 moves)", len(audit.Items))
	}
	var inbox []kakehashi.Notification
	e.do("GET", "/me/notifications", nil, requester).want(t, 200).decode(t, &inbox)
	if len(inbox) < 3 {
		t.Fatalf("the requester heard of %d moves", len(inbox))
	}
	// The same notifications, in the requester's Atom feed, read without a
	// session as a feed reader does.
	url := e.do("GET", "/me/feed", nil, requester).want(t, 200).obj(t)["url"].(string)
	feed := e.do("GET", strings.TrimPrefix(url, "/api/v1"), nil).want(t, 200)
	if ct := feed.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("feed content type %q", ct)
	}
	if n := strings.Count(string(feed.body), "<entry>"); n != len(inbox) || !strings.Contains(string(feed.body), inbox[0].Subject) {
		t.Fatalf("feed has %d entries, the inbox %d:\n%.500s", n, len(inbox), feed.body)
	}
}

func TestDeclineAndStall(t *testing.T) {
	t.Parallel()
	clock := testclock.New()
	e := newEnv(t, sqliteDSN, httpapi.Config{Now: clock.Now, SessionTTL: 60 * 24 * time.Hour})
	requester := session(e.signIn(e.third.Email, "password of third"))
	owner := e.as(ownerAdmin)
	l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	in := e.do("POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]any{"message": "Interested."}, requester).want(t, 201).obj(t)
	introID := id(in, "id")
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), map[string]any{"to": "closed", "outcome": "declined"}, owner).wantProblem(t, 422, "body.reason")
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", introID), map[string]any{"to": "closed", "outcome": "declined",
		"reason": "commercial_route_unclear", "reason_text": "We do not sell into medical devices."}, owner).want(t, 200)
	got := e.do("GET", fmt.Sprintf("/introductions/%d", introID), nil, requester).want(t, 200).obj(t)
	if got["outcome"] != "declined" || got["reason"] != "commercial_route_unclear" || got["reason_text"] != "We do not sell into medical devices." {
		t.Fatalf("the requester does not see why: %v", got)
	}

	// A second interest, accepted and then left idle past 14 days, is stalled.
	l2 := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	in2 := id(e.do("POST", fmt.Sprintf("/listings/%d/interest", l2.ID), map[string]any{"message": "Interested."}, requester).want(t, 201).obj(t), "id")
	e.do("POST", fmt.Sprintf("/introductions/%d/transitions", in2), map[string]any{"to": "introduced"}, owner).want(t, 200)
	queue := func() []int64 {
		var p struct{ Items []map[string]any }
		e.do("GET", "/introductions?stalled=true", nil, e.as(coordinator)).want(t, 200).decode(t, &p)
		var ids []int64
		for _, m := range p.Items {
			if m["stalled"] != true {
				t.Fatalf("queue item not flagged stalled: %v", m)
			}
			ids = append(ids, id(m, "id"))
		}
		return ids
	}
	if q := queue(); len(q) != 0 {
		t.Fatalf("stalled too early: %v", q)
	}
	clock.Advance(15 * 24 * time.Hour)
	if q := queue(); !slices.Equal(q, []int64{in2}) {
		t.Fatalf("work queue %v, want [%d]", q, in2)
	}
	if got := e.do("GET", fmt.Sprintf("/introductions/%d", in2), nil, requester).want(t, 200).obj(t); got["stalled"] != true {
		t.Fatalf("not flagged stalled: %v", got)
	}
}
