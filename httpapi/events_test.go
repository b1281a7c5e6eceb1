package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/ical/icaltest"
)

func TestEventFlowThroughTheAPI(t *testing.T) {
	e := newSQLiteEnv(t)
	ctx := context.Background()
	org := e.as(ownerMember)
	a := session(e.signIn(e.third.Email, "password of third")) // third organization
	b := e.as(otherMember)                                     // other organization
	c := session(e.signIn(e.target.Email, "password of target"))

	// Validation: every invalid field located.
	bad := map[string]any{"name": "", "time_zone": "Mars/Olympus", "start_date": "2027-02-03", "end_date": "2027-02-03",
		"day_start": "11:00", "day_end": "09:00", "meeting_minutes": 30, "tables": 0}
	e.do("POST", "/events", bad, org).wantProblem(t, s422, "body.name", "body.time_zone", "body.day_end", "body.tables")
	e.do("POST", "/events", eventJSON).wantProblem(t, s401)

	// One morning, 09:00–11:00 Tokyo: slots 0–3 of 30 minutes, one table.
	ev := e.do("POST", "/events", map[string]any{"name": "Kansai brokerage", "venue": "Grand Front Osaka", "time_zone": "Asia/Tokyo",
		"start_date": "2027-02-03", "end_date": "2027-02-03", "day_start": "09:00", "day_end": "11:00", "meeting_minutes": 30, "tables": 1,
		"status": "open"}, org).want(t, s201).obj(t)
	evID := id(ev, "id")
	if slots := ev["slots"].([]any); len(slots) != 4 || slots[2].(map[string]any)["start"] != "2027-02-03T01:00:00Z" {
		t.Fatalf("slots %v", ev["slots"])
	}

	la := e.listing(e.third.OrgID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	lb := e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	register := func(cr cred, body map[string]any) int64 {
		t.Helper()
		return id(e.do("POST", fmt.Sprintf("/events/%d/participants", evID), body, cr).want(t, s201).obj(t), "id")
	}
	pa := register(a, map[string]any{"profile": "Battery maker", "listing_ids": []int64{la.ID}})
	pb := register(b, map[string]any{"profile": "Solid electrolytes", "listing_ids": []int64{lb.ID}})
	pc := register(c, map[string]any{"profile": "Investor"})
	// Someone else's listing, a slot outside the event, twice.
	e.do("POST", fmt.Sprintf("/events/%d/participants", evID), map[string]any{"listing_ids": []int64{la.ID}}, e.as(ownerAdmin)).wantProblem(t, s422, "body.listing_ids")
	e.do("POST", fmt.Sprintf("/events/%d/participants", evID), map[string]any{"available": []int{4}}, e.as(ownerAdmin)).wantProblem(t, s422, "body.available[0]")
	e.do("POST", fmt.Sprintf("/events/%d/participants", evID), map[string]any{}, a).wantProblem(t, s409)

	// Availability: a in 1–2, b in 2–3, c in 2–3. a and b share slot 2 only.
	for p, slots := range map[int64][]int{pa: {1, 2}, pb: {2, 3}, pc: {2, 3}} {
		cr := map[int64]cred{pa: a, pb: b, pc: c}[p]
		e.do("PATCH", fmt.Sprintf("/participants/%d", p), map[string]any{"available": slots}, cr).want(t, s200)
	}

	reason := "Licensing your electrolyte; we make cells, at scale \\ in Osaka.\nA long reason to fold: " + strings.Repeat("solid-state ", 8)
	ra := e.do("POST", fmt.Sprintf("/events/%d/requests", evID), map[string]any{"to_id": pb, "reason": reason}, a).want(t, s201).obj(t)
	rc := e.do("POST", fmt.Sprintf("/events/%d/requests", evID), map[string]any{"to_id": pb, "reason": "Investment"}, c).want(t, s201).obj(t)
	e.do("POST", fmt.Sprintf("/events/%d/requests", evID), map[string]any{"to_id": pa, "reason": "  "}, b).wantProblem(t, s422, "body.reason")
	e.do("POST", fmt.Sprintf("/events/%d/requests", evID), map[string]any{"to_id": 999999, "reason": "x"}, b).wantProblem(t, s422, "body.to_id")
	// Only the recipient decides.
	e.do("POST", fmt.Sprintf("/meeting-requests/%d/decision", id(ra, "id")), map[string]any{"accept": true}, a).wantProblem(t, s403)
	for _, r := range []map[string]any{ra, rc} {
		e.do("POST", fmt.Sprintf("/meeting-requests/%d/decision", id(r, "id")), map[string]any{"accept": true}, b).want(t, s200)
	}
	var incoming []map[string]any
	e.do("GET", fmt.Sprintf("/events/%d/requests", evID), nil, b).want(t, s200).decode(t, &incoming)
	if len(incoming) != 2 || incoming[0]["mine"] != "received" || incoming[0]["status"] != "accepted" {
		t.Fatalf("b's requests %v", incoming)
	}

	// The scheduler places both, b never twice in a slot.
	var run httpapi.ScheduleRun
	e.do("POST", fmt.Sprintf("/events/%d/schedule", evID), nil, org).want(t, s200).decode(t, &run)
	if run.Scheduled != 2 || run.Unscheduled != 0 {
		t.Fatalf("run %+v", run)
	}
	ms, err := e.db.Meetings(ctx, evID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("meetings %v, %v", ms, err)
	}
	avail := map[int64][]int{pa: {1, 2}, pb: {2, 3}, pc: {2, 3}}
	for _, m := range ms {
		if !slices.Contains(avail[m.FromID], m.Slot) || !slices.Contains(avail[m.ToID], m.Slot) {
			t.Errorf("meeting %+v in a slot one party is not available in", m)
		}
	}
	if ms[0].Slot == ms[1].Slot {
		t.Errorf("b double-booked: %+v %+v", ms[0], ms[1])
	}
	abMeeting := ms[slices.IndexFunc(ms, func(m *kakehashi.Meeting) bool { return m.FromID == pa })]
	if abMeeting.Slot != 2 {
		t.Errorf("a–b meeting in slot %d, want 2 (the only shared one)", abMeeting.Slot)
	}

	// Agendas.
	var agenda []app.AgendaItem
	e.do("GET", fmt.Sprintf("/events/%d/agenda", evID), nil, b).want(t, s200).decode(t, &agenda)
	if len(agenda) != 2 || !agenda[0].Start.Before(agenda[1].Start) {
		t.Fatalf("b's agenda %+v", agenda)
	}
	e.do("GET", fmt.Sprintf("/events/%d/agenda", evID), nil, a).want(t, s200).decode(t, &agenda)
	if len(agenda) != 1 || agenda[0].With.ID != pb || agenda[0].Reason != strings.TrimSpace(reason) || agenda[0].Location != "Table 1, Grand Front Osaka" {
		t.Fatalf("a's agenda %+v", agenda)
	}
	cal := e.do("GET", fmt.Sprintf("/events/%d/calendar", evID), nil, a).want(t, s200)
	if ct := cal.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("Content-Type %q", ct)
	}
	icaltest.CheckFraming(t, string(cal.body))
	lines := icaltest.Unfold(string(cal.body))
	for _, want := range []string{fmt.Sprintf("UID:meeting-%d@kakehashi", abMeeting.ID), "DTSTART:20270203T010000Z", "DTEND:20270203T013000Z",
		`LOCATION:Table 1\, Grand Front Osaka`} {
		if !slices.Contains(lines, want) {
			t.Errorf("calendar lacks %q: %q", want, lines)
		}
	}
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "DESCRIPTION:Meeting with ") && strings.Contains(l, `electrolyte\; we make cells\, at scale \\ in Osaka.\nA long`)
	}) {
		t.Errorf("no escaped DESCRIPTION in %q", lines)
	}

	// Organizer moves c's meeting, pinned; a clash is refused.
	cMeeting := ms[slices.IndexFunc(ms, func(m *kakehashi.Meeting) bool { return m.FromID == pc })]
	e.do("PATCH", fmt.Sprintf("/meetings/%d", cMeeting.ID), map[string]any{"slot": abMeeting.Slot, "table": 0}, org).wantProblem(t, s409)
	e.do("PATCH", fmt.Sprintf("/meetings/%d", cMeeting.ID), map[string]any{"slot": 9, "table": 0}, org).wantProblem(t, s422)
	e.do("PATCH", fmt.Sprintf("/meetings/%d", cMeeting.ID), map[string]any{"slot": 0, "table": 0, "pinned": true}, org).want(t, s200)

	// Held → an introduction both parties see.
	e.do("POST", fmt.Sprintf("/meetings/%d/introduction", abMeeting.ID), nil, a).wantProblem(t, s409)
	e.do("POST", fmt.Sprintf("/meetings/%d/mark", abMeeting.ID), map[string]any{"status": "maybe"}, a).wantProblem(t, s422)
	e.do("POST", fmt.Sprintf("/meetings/%d/mark", abMeeting.ID), map[string]any{"status": "held"}, a).want(t, s200)
	intro := e.do("POST", fmt.Sprintf("/meetings/%d/introduction", abMeeting.ID), nil, a).want(t, s201).obj(t)
	if id(intro, "listing_id") != lb.ID || id(intro, "requester_id") != e.third.ID || id(intro, "related_listing_id") != la.ID || intro["stage"] != "interest" {
		t.Fatalf("introduction %v", intro)
	}
	for _, cr := range []cred{a, b} {
		e.do("GET", fmt.Sprintf("/introductions/%d", id(intro, "id")), nil, cr).want(t, s200)
	}
	e.do("POST", fmt.Sprintf("/meetings/%d/introduction", abMeeting.ID), nil, b).wantProblem(t, s409)
	// c's counterpart b linked a listing, but c's meeting was a no-show.
	e.do("POST", fmt.Sprintf("/meetings/%d/mark", cMeeting.ID), map[string]any{"status": "no_show"}, b).want(t, s200)
	e.do("POST", fmt.Sprintf("/meetings/%d/introduction", cMeeting.ID), nil, c).wantProblem(t, s409)

	// Suggestions: a's listing against b's and c's.
	var sg []httpapi.Suggestion
	e.do("GET", fmt.Sprintf("/events/%d/suggestions", evID), nil, a).want(t, s200).decode(t, &sg)
	if len(sg) != 2 || sg[0].Score < sg[1].Score {
		t.Fatalf("suggestions %+v", sg)
	}
	e.do("GET", fmt.Sprintf("/events/%d/suggestions", evID), nil, e.as(admin)).wantProblem(t, s409)
}

// noRanker is a search engine without RankListing.
type noRanker struct{ httpapi.Searcher }

func TestEventSuggestionsWithoutEngine(t *testing.T) {
	e := newEnv(t, sqliteDSN, httpapi.Config{Search: noRanker{}})
	ev := e.event(e.own.ID, kakehashi.EventOpen, false)
	e.join(ev, e.actors[ownerMember].user)
	e.do("GET", fmt.Sprintf("/events/%d/suggestions", ev.ID), nil, e.as(ownerMember)).wantProblem(t, 503)
}

func TestFairViewsCountedOncePerVisitorAndDay(t *testing.T) {
	e := newSQLiteEnv(t)
	fair := e.event(e.own.ID, kakehashi.EventOpen, true)
	l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	e.join(fair, e.target, l.ID)
	view := func(ua string, listing int64) *response {
		return e.do("POST", fmt.Sprintf("/events/%d/views", fair.ID), map[string]any{"listing_id": listing}, header("User-Agent", ua))
	}
	for i, want := range []bool{true, false, false} {
		if m := view("browser A", l.ID).want(t, s200).obj(t); m["counted"] != want {
			t.Fatalf("view %d: counted %v, want %v", i, m["counted"], want)
		}
	}
	if m := view("browser B", l.ID).want(t, s200).obj(t); m["counted"] != true {
		t.Fatalf("another visitor: %v", m)
	}
	view("browser A", l.ID+1000).wantProblem(t, s422, "body.listing_id")
	if n := e.count(`SELECT COUNT(*) FROM fair_views WHERE visitor_hash LIKE '%127.0.0.1%'`); n != 0 {
		t.Errorf("an address is stored in clear")
	}
	var st httpapi.FairStats
	e.do("GET", fmt.Sprintf("/events/%d/stats", fair.ID), nil, e.as(ownerMember)).want(t, s200).decode(t, &st)
	if st.Total != 2 || len(st.Listings) != 1 || st.Listings[0].Views != 2 || len(st.Exhibitors) != 1 || st.Exhibitors[0].OrgID != e.own.ID {
		t.Fatalf("stats %+v", st)
	}
	// Not a fair.
	ev := e.event(e.own.ID, kakehashi.EventOpen, false)
	e.do("POST", fmt.Sprintf("/events/%d/views", ev.ID), map[string]any{"listing_id": l.ID}).wantProblem(t, s409)
	if h1, h2 := auth.VisitorHash([]byte("k"), "1.2.3.4", "ua", "2027-02-03"), auth.VisitorHash([]byte("k"), "1.2.3.4", "ua", "2027-02-04"); h1 == h2 || len(h1) != 64 {
		t.Errorf("visitor hashes %s %s: want 64 hex digits, different per day", h1, h2)
	}
}
