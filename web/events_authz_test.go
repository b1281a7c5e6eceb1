package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// eventForm is a valid posted event named name, a month from now.
func (e *authzEnv) eventForm(name string) url.Values {
	return url.Values{"name": {name}, "description": {"Meet partners."}, "venue": {"Hall B"}, "time_zone": {"Asia/Tokyo"}, "status": {"open"},
		"start_date": {e.days(30)}, "end_date": {e.days(30)}, "day_start": {"09:00"}, "day_end": {"12:00"}, "breaks": {"10:30-11:00"},
		"meeting_minutes": {"30"}, "tables": {"3"}, "org_id": {strconv.FormatInt(e.own.ID, 10)}}
}

// partyOrStaff is the want of what the owner member (a participant) and
// staff may do at an event the owner organization does not organize.
func partyOrStaff(ok int) func(cell) int { return byActor(toLogin, s403, ok, s403, ok, ok) }

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// eventPageCases are the rows of events and online fairs.
func eventPageCases() []pageCase {
	return []pageCase{
		{route: "GET /events", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", "/events", nil, c.actor)
			return p, func() {
				if !p.has(e.event.Name) {
					e.t.Errorf("the open event is not listed")
				}
			}
		}},
		{route: "GET /events/new", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", "/events/new", nil, c.actor), nil
		}},
		{route: "POST /events/new", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			name := "Posted event " + e.marker("e")
			p := e.do("POST", "/events/new", e.eventForm(name), c.actor)
			return p, func() {
				org := e.own.ID
				if c.actor == otherMember {
					org = e.other.ID
				}
				e.wantCount(one(p.wrote()), "events stored", `SELECT COUNT(*) FROM events WHERE name = $1 AND org_id = $2`, name, org)
			}
		}},
		{route: "GET /events/{id}", note: "open", want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/events/%d", e.event.ID), nil, c.actor)
			return p, func() {
				// Organizers (own's side and staff) see who registered
				// and who asked whom; the secrets hide them from others.
				if ownerSideOrStaff(c.actor) && !p.has("Profile of "+e.target.Name) {
					e.t.Errorf("organizers do not see the participants")
				}
			}
		}},
		{route: "GET /events/{id}", note: "draft", want: byActor(s404, s404, s200, s200, s200, s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/events/%d", e.draftEvent.ID), nil, c.actor), nil
		}},
		{route: "GET /events/{id}", note: "fair", perColumn: true, want: all(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/events/%d", e.fair.ID), nil, c.actor)
			return p, func() {
				if shown := p.has(quoted("/events/%d/visit/%d", e.fair.ID, c.l.ID)); shown != seesListing(c) {
					e.t.Errorf("the fair exhibits the %s need to %s: %v", c.col.name, c.actor, shown)
				}
			}
		}},
		{route: "GET /events/{id}/edit", want: ownerSide(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/events/%d/edit", e.event.ID), nil, c.actor), nil
		}},
		{route: "GET /events/{id}/edit", note: "draft", want: partiesOnly(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			return e.do("GET", idPath("/events/%d/edit", e.draftEvent.ID), nil, c.actor), nil
		}},
		{route: "POST /events/{id}/edit", want: ownerSide(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev := e.newEvent(e.own.ID, kakehashi.EventOpen, false)
			name := "Changed event " + e.marker("e")
			p := e.do("POST", idPath("/events/%d/edit", ev.ID), e.eventForm(name), c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "events renamed", `SELECT COUNT(*) FROM events WHERE id = $1 AND name = $2`, ev.ID, name)
			}
		}},
		{route: "POST /events/{id}/introduce", perColumn: true, want: partyOrStaff(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			// A held meeting at third's event between the asker and the
			// owner member, about the owner's listing of the column.
			ctx := context.Background()
			open := c.col
			open.status = kakehashi.StatusOpen
			l := e.need(e.own.ID, open)
			_, m := e.meeting(e.third.ID, e.asker, e.actors[ownerMember].user, l.ID)
			if c.col.status == kakehashi.StatusDraft {
				e.withdraw(l)
			}
			if _, err := e.db.MarkMeeting(ctx, m.ID, kakehashi.MeetingHeld, system); err != nil {
				e.t.Fatal(err)
			}
			p := e.do("POST", idPath("/events/%d/introduce", m.EventID), url.Values{"meeting_id": {id64(m.ID)}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "introductions opened", `SELECT COUNT(*) FROM introductions WHERE listing_id = $1`, l.ID)
				e.wantCount(one(p.wrote()), "meetings linked", `SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND introduction_id IS NOT NULL`, m.ID)
			}
		}},
		{route: "GET /events/{id}/visit/{listing}", perColumn: true, want: listingPage(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			p := e.do("GET", idPath("/events/%d/visit/%d", e.fair.ID, c.l.ID), nil, c.actor)
			return p, func() {
				if p.wrote() && p.location() != idPath("/listings/%d", c.l.ID) {
					e.t.Errorf("a visit goes on to %q", p.location())
				}
				// Anonymous and other-member come first in a row: the
				// views they may not make have not been counted.
				if p.status == s404 {
					e.wantCount(0, "views counted of a listing the visitor may not see",
						`SELECT COUNT(*) FROM fair_views WHERE event_id = $1 AND listing_id = $2`, e.fair.ID, c.l.ID)
				}
			}
		}},
		{route: "POST /events/{id}/register", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev := e.newEvent(e.own.ID, kakehashi.EventOpen, false)
			p := e.do("POST", idPath("/events/%d/register", ev.ID), url.Values{"profile": {"We build batteries."}, "all_slots": {"1"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "registrations", `SELECT COUNT(*) FROM event_participants WHERE event_id = $1`, ev.ID)
			}
		}},
		{route: "POST /events/{id}/register", note: "draft", want: byActor(toLogin, s404, s409, s409, s409, s409), run: func(e *authzEnv, c cell) (*answer, func()) {
			// Organizers see their draft, but nobody registers before it opens.
			ev := e.newEvent(e.own.ID, kakehashi.EventDraft, false)
			p := e.do("POST", idPath("/events/%d/register", ev.ID), url.Values{"profile": {"Early."}, "all_slots": {"1"}}, c.actor)
			return p, func() {
				e.wantCount(0, "registrations", `SELECT COUNT(*) FROM event_participants WHERE event_id = $1`, ev.ID)
			}
		}},
		{route: "POST /events/{id}/requests", want: signedIn(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev := e.newEvent(e.own.ID, kakehashi.EventOpen, false)
			to := e.join(ev, e.target)
			if u := e.userOf(c.actor); u != nil {
				e.join(ev, u)
			}
			p := e.do("POST", idPath("/events/%d/requests", ev.ID), url.Values{"to_id": {id64(to.ID)}, "reason": {"Batteries"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "requests", `SELECT COUNT(*) FROM meeting_requests WHERE to_id = $1`, to.ID)
			}
		}},
		{route: "POST /events/{id}/decide", want: partyOrStaff(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev := e.newEvent(e.third.ID, kakehashi.EventOpen, false)
			a, b := e.join(ev, e.asker), e.join(ev, e.actors[ownerMember].user)
			r := &kakehashi.MeetingRequest{FromID: a.ID, ToID: b.ID, Reason: "To talk"}
			if err := e.db.CreateMeetingRequest(context.Background(), r, e.asker); err != nil {
				e.t.Fatal(err)
			}
			p := e.do("POST", idPath("/events/%d/decide", ev.ID), url.Values{"request_id": {id64(r.ID)}, "accept": {"1"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "accepted", `SELECT COUNT(*) FROM meeting_requests WHERE id = $1 AND status = 'accepted'`, r.ID)
			}
		}},
		{route: "POST /events/{id}/schedule", want: ownerSide(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ctx := context.Background()
			ev := e.newEvent(e.own.ID, kakehashi.EventOpen, false)
			a, b := e.join(ev, e.asker), e.join(ev, e.target)
			r := &kakehashi.MeetingRequest{FromID: a.ID, ToID: b.ID, Reason: "To talk"}
			if err := e.db.CreateMeetingRequest(ctx, r, e.asker); err != nil {
				e.t.Fatal(err)
			}
			if _, err := e.db.DecideMeetingRequest(ctx, r.ID, true, e.target); err != nil {
				e.t.Fatal(err)
			}
			p := e.do("POST", idPath("/events/%d/schedule", ev.ID), url.Values{}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "meetings", `SELECT COUNT(*) FROM event_meetings WHERE event_id = $1`, ev.ID)
			}
		}},
		{route: "POST /events/{id}/move", want: ownerSide(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev, m := e.meeting(e.own.ID, e.asker, e.target)
			p := e.do("POST", idPath("/events/%d/move", ev.ID), url.Values{"meeting_id": {id64(m.ID)}, "slot": {"2"}, "table": {"2"}, "pinned": {"1"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "meetings moved", `SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND slot = 2 AND table_no = 1 AND pinned`, m.ID)
			}
		}},
		{route: "POST /events/{id}/mark", want: partyOrStaff(s303), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev, m := e.meeting(e.third.ID, e.asker, e.actors[ownerMember].user)
			p := e.do("POST", idPath("/events/%d/mark", ev.ID), url.Values{"meeting_id": {id64(m.ID)}, "status": {"held"}}, c.actor)
			return p, func() {
				e.wantCount(one(p.wrote()), "meetings held", `SELECT COUNT(*) FROM event_meetings WHERE id = $1 AND status = 'held'`, m.ID)
			}
		}},
		{route: "GET /events/{id}/agenda", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev, m := e.meeting(e.own.ID, e.asker, e.actors[ownerMember].user)
			p := e.do("GET", idPath("/events/%d/agenda", ev.ID), nil, c.actor)
			return p, func() {
				if has := p.has(`data-meeting="` + id64(m.ID) + `"`); has != (c.actor == ownerMember) {
					e.t.Errorf("agenda shows the owner member's meeting: %v (one's own meetings only)", has)
				}
			}
		}},
		{route: "GET /events/{id}/agenda.ics", want: signedIn(s200), run: func(e *authzEnv, c cell) (*answer, func()) {
			ev, m := e.meeting(e.own.ID, e.asker, e.actors[ownerMember].user)
			p := e.do("GET", idPath("/events/%d/agenda.ics", ev.ID), nil, c.actor)
			return p, func() {
				if p.status != s200 {
					return
				}
				if !strings.HasPrefix(p.header.Get("Content-Type"), "text/calendar") {
					e.t.Errorf("Content-Type %q", p.header.Get("Content-Type"))
				}
				if has := strings.Contains(strings.ReplaceAll(p.body, "\r\n ", ""), "meeting-"+id64(m.ID)+"@"); has != (c.actor == ownerMember) {
					e.t.Errorf("calendar has the owner member's meeting: %v (one's own meetings only)", has)
				}
			}
		}},
	}
}
