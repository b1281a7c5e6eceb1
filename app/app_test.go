package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
)

// eventFixture is an event of organization 1 with three registrations: a
// (user 10) asked b (user 20) and c (user 30) for a meeting, b asked c.
func eventFixture() (*kakehashi.Event, []*kakehashi.Participant, []*kakehashi.MeetingRequest) {
	e := &kakehashi.Event{ID: 5, OrgID: 1, Name: "Fair", Venue: "Hall A", TimeZone: "UTC", StartDate: "2027-02-03", EndDate: "2027-02-03",
		DayStart: "09:00", DayEnd: "11:00", MeetingMinutes: 30, Tables: 2}
	ps := []*kakehashi.Participant{
		{ID: 1, EventID: 5, UserID: 10, Name: "A", Available: []int{0, 1}},
		{ID: 2, EventID: 5, UserID: 20, Name: "B"},
		{ID: 3, EventID: 5, UserID: 30, Name: "C"},
	}
	rs := []*kakehashi.MeetingRequest{
		{ID: 100, EventID: 5, FromID: 1, ToID: 2, Reason: "batteries"},
		{ID: 101, EventID: 5, FromID: 1, ToID: 3, Reason: "sensors"},
		{ID: 102, EventID: 5, FromID: 2, ToID: 3},
	}
	return e, ps, rs
}

func TestRequestViewsShowTheSides(t *testing.T) {
	e, ps, rs := eventFixture()
	b := &kakehashi.User{ID: 20, OrgID: 2}
	got := app.RequestViews(b, e, ps, rs)
	if len(got) != 2 || got[0].ID != 100 || got[0].Mine != "received" || got[0].FromName != "A" || got[0].ToName != "B" ||
		got[1].ID != 102 || got[1].Mine != "sent" {
		t.Errorf("b's requests %+v", got)
	}
	org := &kakehashi.User{ID: 99, OrgID: 1}
	if got := app.RequestViews(org, e, ps, rs); len(got) != 3 || got[0].Mine != "" {
		t.Errorf("the organizer's requests %+v, want all three, on neither side", got)
	}
	if got := app.RequestViews(&kakehashi.User{ID: 77, OrgID: 7}, e, ps, rs); len(got) != 0 {
		t.Errorf("an outsider's requests %+v, want none", got)
	}
}

func TestAgendaAndItsCalendar(t *testing.T) {
	e, ps, rs := eventFixture()
	ms := []*kakehashi.Meeting{
		{ID: 8, RequestID: 101, FromID: 1, ToID: 3, Slot: 3, Table: 1},
		{ID: 7, RequestID: 100, FromID: 1, ToID: 2, Slot: 1, Table: 0},
		{ID: 9, RequestID: 102, FromID: 2, ToID: 3, Slot: 0},
		{ID: 6, RequestID: 100, FromID: 1, ToID: 2, Slot: 99}, // outside the event's slots
	}
	a := &kakehashi.User{ID: 10, OrgID: 3}
	items := app.Agenda(a, e, app.ParticipantOf(a, ps), ps, rs, ms)
	if len(items) != 2 || items[0].ID != 7 || items[1].ID != 8 {
		t.Fatalf("a's agenda %+v, want meetings 7 then 8", items)
	}
	first := items[0]
	if first.With.Name != "B" || first.Reason != "batteries" || first.Location != "Table 1, Hall A" ||
		!first.Start.Equal(time.Date(2027, 2, 3, 9, 30, 0, 0, time.UTC)) || !first.End.Equal(first.Start.Add(30*time.Minute)) {
		t.Errorf("a's first meeting %+v", first)
	}
	if first.With.Available != nil {
		t.Errorf("a sees b's availability %v", *first.With.Available)
	}
	cal := app.AgendaCalendar(e, items)
	if len(cal) != 2 || cal[0].UID != "meeting-7@kakehashi" || cal[0].Summary != "Meeting with B (Fair)" ||
		cal[0].Description != "Meeting with B\nReason: batteries" || cal[0].Location != "Table 1, Hall A" {
		t.Errorf("calendar %+v", cal)
	}
	e.Online = true
	if got := app.MeetingLocation(e, ms[0]); got != "Online" {
		t.Errorf("an online meeting is at %q", got)
	}
}

func TestKPIQueryFilter(t *testing.T) {
	now := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC)
	f, err := app.KPIQuery{From: "2027-01", To: "2027-02", Country: "jp", Region: "jp-13"}.Filter(now, app.DefaultStallAfter)
	if err != nil {
		t.Fatal(err)
	}
	if f.Country != "JP" || f.Region != "JP-13" || !f.StalledBefore.Equal(now.Add(-14*24*time.Hour)) ||
		!f.From.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !f.To.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("filter %+v", f)
	}
	if _, err := (app.KPIQuery{From: "2027-13"}).Filter(now, app.DefaultStallAfter); err == nil {
		t.Error("a month 13 was accepted")
	}
}

// fakeEvents is an EventReader over fixed records.
type fakeEvents struct {
	ps       []*kakehashi.Participant
	rs       []*kakehashi.MeetingRequest
	ms       []*kakehashi.Meeting
	listings map[int64]*kakehashi.Listing
}

func (f *fakeEvents) Listing(_ context.Context, id int64) (*kakehashi.Listing, error) {
	if l := f.listings[id]; l != nil {
		return l, nil
	}
	return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d not found", id)
}

func (f *fakeEvents) Participants(context.Context, int64) ([]*kakehashi.Participant, error) {
	return f.ps, nil
}

func (f *fakeEvents) MeetingRequests(context.Context, int64) ([]*kakehashi.MeetingRequest, error) {
	return f.rs, nil
}

func (f *fakeEvents) Meetings(context.Context, int64) ([]*kakehashi.Meeting, error) { return f.ms, nil }

func TestLoadAgenda(t *testing.T) {
	e, ps, rs := eventFixture()
	ps[1].ListingIDs = []int64{40, 41, 42} // b's public listing, b's draft, a gone one
	f := &fakeEvents{ps: ps, rs: rs, ms: []*kakehashi.Meeting{{ID: 7, RequestID: 100, FromID: 1, ToID: 2, Slot: 1}},
		listings: map[int64]*kakehashi.Listing{
			40: {ID: 40, OrgID: 2, Status: kakehashi.StatusOpen, Visibility: kakehashi.VisibilityPublic},
			41: {ID: 41, OrgID: 2, Status: kakehashi.StatusDraft, Visibility: kakehashi.VisibilityPublic},
		}}
	ctx := context.Background()
	a := &kakehashi.User{ID: 10, OrgID: 3}
	items, err := app.LoadAgenda(ctx, f, a, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].With.Name != "B" || !slices.Equal(items[0].With.ListingIDs, []int64{40}) {
		t.Errorf("a's agenda %+v, want the meeting with b showing b's public listing only", items)
	}
	items, err = app.LoadAgenda(ctx, f, &kakehashi.User{ID: 77, OrgID: 7}, e)
	if err != nil || items == nil || len(items) != 0 {
		t.Errorf("an unregistered user's agenda %#v, %v: want empty, not nil", items, err)
	}
}
