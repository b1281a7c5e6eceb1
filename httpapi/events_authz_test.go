package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/ical/icaltest"
)

// event stores an event of org with the given status (an online fair when
// online), organized by staff.
func (e *testEnv) event(org int64, status kakehashi.EventStatus, online bool) *kakehashi.Event {
	e.t.Helper()
	ev := &kakehashi.Event{OrgID: org, Name: fmt.Sprintf("Matrix event %d", e.next()), Status: status, Online: online, Venue: "Hall A",
		TimeZone: "Asia/Tokyo", StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "11:00", MeetingMinutes: 30, Tables: 2}
	if err := e.db.CreateEvent(context.Background(), ev, system); err != nil {
		e.t.Fatalf("create event: %v", err)
	}
	return ev
}

// join registers u for ev with the given linked listings.
func (e *testEnv) join(ev *kakehashi.Event, u *kakehashi.User, listings ...int64) *kakehashi.Participant {
	e.t.Helper()
	p := &kakehashi.Participant{EventID: ev.ID, Profile: "Profile of " + u.Name, ListingIDs: listings}
	if err := e.db.Register(context.Background(), p, u); err != nil {
		e.t.Fatalf("register %s: %v", u.Email, err)
	}
	return p
}

// meeting stores an open event of org where from asked to meet to and was
// accepted, with the meeting scheduled in slot 0 at table 0.
func (e *testEnv) meeting(org int64, from, to *kakehashi.User, toListings ...int64) (*kakehashi.Event, *kakehashi.Meeting) {
	e.t.Helper()
	ctx := context.Background()
	ev := e.event(org, kakehashi.EventOpen, false)
	a, b := e.join(ev, from), e.join(ev, to, toListings...)
	r := e.ask(a, b, from)
	if _, err := e.db.DecideMeetingRequest(ctx, r.ID, true, to); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SaveSchedule(ctx, ev.ID, []*kakehashi.Meeting{{RequestID: r.ID}}, system); err != nil {
		e.t.Fatal(err)
	}
	ms, err := e.db.Meetings(ctx, ev.ID)
	if err != nil || len(ms) != 1 {
		e.t.Fatalf("meetings %v, %v", ms, err)
	}
	return ev, ms[0]
}

// ask sends a meeting request from participant a to b as u.
func (e *testEnv) ask(a, b *kakehashi.Participant, u *kakehashi.User) *kakehashi.MeetingRequest {
	e.t.Helper()
	r := &kakehashi.MeetingRequest{FromID: a.ID, ToID: b.ID, Reason: "To talk about licensing"}
	if err := e.db.CreateMeetingRequest(context.Background(), r, u); err != nil {
		e.t.Fatalf("request: %v", err)
	}
	return r
}

// organizers is the want of organizer-only operations on an event of the
// owner organization.
func organizers(ok int) func(cell) int { return byActor(s401, s403, ok, ok, ok, ok) }

// partyOrStaff is the want of operations that the owner member (a party)
// and staff may do, on an event the owner organization does not organize.
func partyOrStaff(ok int) func(cell) int { return byActor(s401, s403, ok, s403, ok, ok) }

// user returns the signed-in user of a, nil for anonymous.
func (e *testEnv) userOf(a actorID) *kakehashi.User {
	if a == anonymous {
		return nil
	}
	return e.actors[a].user
}

// s409 is the status of a conflict.
const s409 = http.StatusConflict

var eventJSON = map[string]any{"name": "Matrix event", "time_zone": "Asia/Tokyo", "start_date": "2027-02-03", "end_date": "2027-02-04",
	"day_start": "09:00", "day_end": "12:00", "meeting_minutes": 30, "tables": 3, "status": "open"}

// eventAuthzCases are the authorization matrix rows of the event routes.
func eventAuthzCases() []authzCase {
	return []authzCase{
		{op: "POST /events", want: organizers(s201), run: func(e *testEnv, c cell) (*response, func()) {
			name := fmt.Sprintf("Matrix event %s %s %d", c.actor, c.vis, e.next())
			body := map[string]any{"org_id": e.own.ID}
			for k, v := range eventJSON {
				body[k] = v
			}
			body["name"] = name
			r := e.do("POST", "/events", body, e.as(c.actor))
			return r, func() {
				want := 0
				if r.status == s201 {
					want = 1
					if m := r.obj(e.t); len(m["slots"].([]any)) != 12 || m["organizer"] != true {
						e.t.Errorf("created event %v: want 12 slots and organizer", m)
					}
				}
				if n := e.count(`SELECT COUNT(*) FROM events WHERE name = $1`, name); n != want {
					e.t.Errorf("%d events stored, want %d", n, want)
				}
			}
		}},
		{op: "GET /events", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			draft := e.event(e.own.ID, kakehashi.EventDraft, false)
			open := e.event(e.own.ID, kakehashi.EventOpen, false)
			r := e.do("GET", "/events?limit=200", nil, e.as(c.actor))
			return r, func() {
				var p struct{ Items []map[string]any }
				r.decode(e.t, &p)
				has := func(ev *kakehashi.Event) bool {
					return slices.ContainsFunc(p.Items, func(m map[string]any) bool { return id(m, "id") == ev.ID })
				}
				wantDraft := c.actor != anonymous && c.actor != otherMember
				if !has(open) || has(draft) != wantDraft {
					e.t.Errorf("open listed %v (want true), draft listed %v (want %v)", has(open), has(draft), wantDraft)
				}
			}
		}},
		{op: "GET /events/{id}", note: "draft", want: byActor(s404, s404, s200, s200, s200, s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventDraft, false)
			r := e.do("GET", fmt.Sprintf("/events/%d", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s404 {
					notFound(e.t, r, "event", ev.ID)
				}
			}
		}},
		{op: "GET /events/{id}", note: "open", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			r := e.do("GET", fmt.Sprintf("/events/%d", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if m := r.obj(e.t); m["name"] != ev.Name || len(m["slots"].([]any)) != 4 {
					e.t.Errorf("event %v", m)
				}
			}
		}},
		{op: "PATCH /events/{id}", want: organizers(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			r := e.do("PATCH", fmt.Sprintf("/events/%d", ev.ID), map[string]any{"venue": "Hall B"}, e.as(c.actor))
			return r, func() {
				got, _ := e.db.Event(context.Background(), ev.ID)
				if want := map[bool]string{true: "Hall B", false: "Hall A"}[r.status == s200]; got.Venue != want {
					e.t.Errorf("venue %q, want %q", got.Venue, want)
				}
			}
		}},
		{op: "GET /events/{id}/participants", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			p := e.join(ev, e.target)
			r := e.do("GET", fmt.Sprintf("/events/%d/participants", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []map[string]any
				r.decode(e.t, &list)
				_, hasAvail := list[0]["available"]
				staff := c.actor == coordinator || c.actor == admin || c.actor == ownerMember || c.actor == ownerAdmin
				if len(list) != 1 || id(list[0], "id") != p.ID || hasAvail != staff {
					e.t.Errorf("participants %v: want %d, availability shown %v", list, p.ID, staff)
				}
			}
		}},
		{op: "POST /events/{id}/participants", want: signedIn(s201), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			r := e.do("POST", fmt.Sprintf("/events/%d/participants", ev.ID), map[string]any{"profile": "Hello", "available": []int{0, 2}}, e.as(c.actor))
			return r, func() {
				if n, want := e.count(`SELECT COUNT(*) FROM event_participants WHERE event_id = $1`, ev.ID), map[bool]int{true: 1}[r.status == s201]; n != want {
					e.t.Errorf("%d registrations, want %d", n, want)
				}
			}
		}},
		{op: "PATCH /participants/{id}", want: partyOrStaff(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			p := e.join(ev, e.actors[ownerMember].user)
			r := e.do("PATCH", fmt.Sprintf("/participants/%d", p.ID), map[string]any{"available": []int{1}}, e.as(c.actor))
			return r, func() {
				got, _ := e.db.Participant(context.Background(), p.ID)
				if changed := slices.Equal(got.Available, []int{1}); changed != (r.status == s200) {
					e.t.Errorf("availability %v after status %d", got.Available, r.status)
				}
			}
		}},
		{op: "POST /events/{id}/requests", want: signedIn(s201), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			to := e.join(ev, e.target)
			if u := e.userOf(c.actor); u != nil {
				e.join(ev, u)
			}
			r := e.do("POST", fmt.Sprintf("/events/%d/requests", ev.ID), map[string]any{"to_id": to.ID, "reason": "Batteries"}, e.as(c.actor))
			return r, func() {
				if n, want := e.count(`SELECT COUNT(*) FROM meeting_requests WHERE to_id = $1`, to.ID), map[bool]int{true: 1}[r.status == s201]; n != want {
					e.t.Errorf("%d requests, want %d", n, want)
				}
			}
		}},
		{op: "GET /events/{id}/requests", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			e.ask(e.join(ev, e.third), e.join(ev, e.target), e.third)
			r := e.do("GET", fmt.Sprintf("/events/%d/requests", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []map[string]any
				r.decode(e.t, &list)
				if want := map[bool]int{true: 1}[c.actor != otherMember]; len(list) != want {
					e.t.Errorf("%d requests listed, want %d (organizers see all, others their own)", len(list), want)
				}
			}
		}},
		{op: "POST /meeting-requests/{id}/decision", want: partyOrStaff(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.third.OrgID, kakehashi.EventOpen, false)
			req := e.ask(e.join(ev, e.third), e.join(ev, e.actors[ownerMember].user), e.third)
			r := e.do("POST", fmt.Sprintf("/meeting-requests/%d/decision", req.ID), map[string]any{"accept": true}, e.as(c.actor))
			return r, func() {
				want := map[bool]int{true: 1}[r.status == s200]
				if n := e.count(`SELECT COUNT(*) FROM meeting_requests WHERE id = $1 AND status = 'accepted'`, req.ID); n != want {
					e.t.Errorf("accepted %d, want %d", n, want)
				}
			}
		}},
		{op: "GET /events/{id}/suggestions", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			other := e.join(ev, e.third)
			if u := e.userOf(c.actor); u != nil {
				e.join(ev, u)
			}
			r := e.do("GET", fmt.Sprintf("/events/%d/suggestions", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []struct{ Participant map[string]any }
				r.decode(e.t, &list)
				if len(list) != 1 || id(list[0].Participant, "id") != other.ID {
					e.t.Errorf("suggestions %s: want participant %d", r.body, other.ID)
				}
			}
		}},
		{op: "POST /events/{id}/schedule", want: organizers(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, false)
			req := e.ask(e.join(ev, e.third), e.join(ev, e.target), e.third)
			if _, err := e.db.DecideMeetingRequest(context.Background(), req.ID, true, e.target); err != nil {
				e.t.Fatal(err)
			}
			r := e.do("POST", fmt.Sprintf("/events/%d/schedule", ev.ID), nil, e.as(c.actor))
			return r, func() {
				want := map[bool]int{true: 1}[r.status == s200]
				if n := e.count(`SELECT COUNT(*) FROM event_meetings WHERE event_id = $1`, ev.ID); n != want {
					e.t.Errorf("%d meetings, want %d", n, want)
				}
			}
		}},
		{op: "GET /events/{id}/meetings", want: organizers(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev, m := e.meeting(e.own.ID, e.third, e.target)
			r := e.do("GET", fmt.Sprintf("/events/%d/meetings", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status == s200 {
					var list []map[string]any
					if r.decode(e.t, &list); len(list) != 1 || id(list[0], "id") != m.ID {
						e.t.Errorf("meetings %s", r.body)
					}
				}
			}
		}},
		{op: "PATCH /meetings/{id}", want: organizers(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, m := e.meeting(e.own.ID, e.third, e.target)
			r := e.do("PATCH", fmt.Sprintf("/meetings/%d", m.ID), map[string]any{"slot": 2, "table": 1, "pinned": true}, e.as(c.actor))
			return r, func() {
				want := map[bool]int{true: 1}[r.status == s200]
				if n := e.count(`SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND slot = 2 AND table_no = 1 AND pinned`, m.ID); n != want {
					e.t.Errorf("moved %d, want %d", n, want)
				}
			}
		}},
		{op: "POST /meetings/{id}/mark", want: partyOrStaff(s200), run: func(e *testEnv, c cell) (*response, func()) {
			_, m := e.meeting(e.third.OrgID, e.third, e.actors[ownerMember].user)
			r := e.do("POST", fmt.Sprintf("/meetings/%d/mark", m.ID), map[string]any{"status": "held"}, e.as(c.actor))
			return r, func() {
				want := map[bool]int{true: 1}[r.status == s200]
				if n := e.count(`SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND status = 'held'`, m.ID); n != want {
					e.t.Errorf("held %d, want %d", n, want)
				}
			}
		}},
		{op: "POST /meetings/{id}/introduction", want: partyOrStaff(s201), run: func(e *testEnv, c cell) (*response, func()) {
			l := e.listing(e.own.ID, c.vis, kakehashi.StatusOpen)
			_, m := e.meeting(e.third.OrgID, e.third, e.actors[ownerMember].user, l.ID)
			if _, err := e.db.MarkMeeting(context.Background(), m.ID, kakehashi.MeetingHeld, system); err != nil {
				e.t.Fatal(err)
			}
			r := e.do("POST", fmt.Sprintf("/meetings/%d/introduction", m.ID), nil, e.as(c.actor))
			return r, func() {
				want := map[bool]int{true: 1}[r.status == s201]
				if n := e.count(`SELECT COUNT(*) FROM introductions WHERE listing_id = $1 AND requester_id = $2`, l.ID, e.third.ID); n != want {
					e.t.Errorf("%d introductions, want %d", n, want)
				}
				if n := e.count(`SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND introduction_id IS NOT NULL`, m.ID); n != want {
					e.t.Errorf("%d links, want %d", n, want)
				}
			}
		}},
		{op: "GET /events/{id}/agenda", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev, m := e.meeting(e.own.ID, e.third, e.actors[ownerMember].user)
			r := e.do("GET", fmt.Sprintf("/events/%d/agenda", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				var list []map[string]any
				r.decode(e.t, &list)
				if want := map[bool]int{true: 1}[c.actor == ownerMember]; len(list) != want || want == 1 && id(list[0], "id") != m.ID {
					e.t.Errorf("agenda %s: want %d meetings, own only", r.body, want)
				}
			}
		}},
		{op: "GET /events/{id}/calendar", want: signedIn(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev, m := e.meeting(e.own.ID, e.third, e.actors[ownerMember].user)
			r := e.do("GET", fmt.Sprintf("/events/%d/calendar", ev.ID), nil, e.as(c.actor))
			return r, func() {
				if r.status != s200 {
					return
				}
				uid := fmt.Sprintf("UID:meeting-%d@kakehashi", m.ID)
				if has := slices.Contains(icaltest.Unfold(string(r.body)), uid); has != (c.actor == ownerMember) {
					e.t.Errorf("calendar has %s: %v; body %q", uid, has, r.body)
				}
			}
		}},
		{op: "POST /events/{id}/views", want: all(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, true)
			l := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
			e.join(ev, e.target, l.ID)
			r := e.do("POST", fmt.Sprintf("/events/%d/views", ev.ID), map[string]any{"listing_id": l.ID}, e.as(c.actor))
			return r, func() {
				if m := r.obj(e.t); m["counted"] != true {
					e.t.Errorf("view not counted: %v", m)
				}
			}
		}},
		{op: "GET /events/{id}/stats", want: organizers(s200), run: func(e *testEnv, c cell) (*response, func()) {
			ev := e.event(e.own.ID, kakehashi.EventOpen, true)
			r := e.do("GET", fmt.Sprintf("/events/%d/stats", ev.ID), nil, e.as(c.actor))
			return r, nil
		}},
	}
}
