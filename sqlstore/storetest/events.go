package storetest

import (
	"context"
	"testing"

	"github.com/kakehashi/kakehashi"
)

// eventTests are the conformance tests of business-matching events.
var eventTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"EventLifecycle", testEventLifecycle},
	{"EventScheduleClashes", testEventScheduleClashes},
	{"FairViewsUniquePerDay", testFairViewsUniquePerDay},
	{"IntroduceMeeting", testIntroduceMeeting},
}

// testEvent returns a valid open two-day event of orgID.
func testEvent(orgID int64) *kakehashi.Event {
	return &kakehashi.Event{OrgID: orgID, Name: "Kansai deep-tech brokerage", Status: kakehashi.EventOpen, Venue: "Grand Front Osaka",
		TimeZone: "Asia/Tokyo", StartDate: "2027-02-03", EndDate: "2027-02-04", DayStart: "09:00", DayEnd: "12:00",
		Breaks: []kakehashi.Break{{Start: "10:30", End: "11:00"}}, MeetingMinutes: 30, Tables: 2}
}

// eventWithRequest makes an event, registers the owner and the requester,
// and has the requester's request accepted.
func eventWithRequest(t *testing.T, p *parties) (*kakehashi.Event, *kakehashi.Participant, *kakehashi.Participant, *kakehashi.MeetingRequest) {
	t.Helper()
	ctx := context.Background()
	e := testEvent(p.ownerOrg.ID)
	if err := p.db.CreateEvent(ctx, e, p.owner); err != nil {
		t.Fatal(err)
	}
	owner := &kakehashi.Participant{EventID: e.ID, Profile: "Solid electrolytes", ListingIDs: []int64{p.listing.ID}}
	if err := p.db.Register(ctx, owner, p.owner); err != nil {
		t.Fatal(err)
	}
	req := &kakehashi.Participant{EventID: e.ID, Profile: "Battery maker", Available: []int{0, 1, 2, 3}}
	if err := p.db.Register(ctx, req, p.requester); err != nil {
		t.Fatal(err)
	}
	r := &kakehashi.MeetingRequest{FromID: req.ID, ToID: owner.ID, Reason: "Licensing for our cells"}
	if err := p.db.CreateMeetingRequest(ctx, r, p.requester); err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.DecideMeetingRequest(ctx, r.ID, true, p.owner); err != nil {
		t.Fatal(err)
	}
	return e, owner, req, r
}

func testEventLifecycle(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()

	bad := testEvent(p.ownerOrg.ID)
	bad.TimeZone, bad.DayEnd = "Mars/Olympus", "08:00"
	wantCode(t, p.db.CreateEvent(ctx, bad, p.owner), kakehashi.EINVALID)
	wantCode(t, p.db.CreateEvent(ctx, testEvent(p.ownerOrg.ID), p.requester), kakehashi.EFORBIDDEN)

	e, owner, req, r := eventWithRequest(t, p)
	got, err := p.db.Event(ctx, e.ID)
	if err != nil || got.Name != e.Name || len(got.Breaks) != 1 || len(got.Slots()) != 10 {
		t.Fatalf("event %+v, %d slots, %v", got, len(got.Slots()), err)
	}
	// Twice, another organization's listing, someone else's request.
	wantCode(t, p.db.Register(ctx, &kakehashi.Participant{EventID: e.ID}, p.owner), kakehashi.ECONFLICT)
	wantCode(t, p.db.Register(ctx, &kakehashi.Participant{EventID: e.ID, ListingIDs: []int64{p.listing.ID}}, p.outsid), kakehashi.EINVALID)
	wantCode(t, p.db.CreateMeetingRequest(ctx, &kakehashi.MeetingRequest{FromID: req.ID, ToID: owner.ID, Reason: "x"}, p.owner), kakehashi.EFORBIDDEN)
	wantCode(t, p.db.CreateMeetingRequest(ctx, &kakehashi.MeetingRequest{FromID: req.ID, ToID: owner.ID, Reason: "again"}, p.requester), kakehashi.ECONFLICT)
	_, err = p.db.DecideMeetingRequest(ctx, r.ID, false, p.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
	if k := inbox(t, p.db, p.owner); len(k) == 0 || k[len(k)-1] != "meeting_request" {
		t.Fatalf("owner inbox %v", k)
	}
	if k := inbox(t, p.db, p.requester); len(k) == 0 || k[len(k)-1] != "meeting_accepted" {
		t.Fatalf("requester inbox %v", k)
	}

	wantCode(t, p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 1, Table: 0}}, p.requester), kakehashi.EFORBIDDEN)
	if err := p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 1, Table: 0}}, p.owner); err != nil {
		t.Fatal(err)
	}
	ms, err := p.db.Meetings(ctx, e.ID)
	if err != nil || len(ms) != 1 || ms[0].FromID != req.ID || ms[0].Slot != 1 {
		t.Fatalf("meetings %+v, %v", ms, err)
	}
	m, err := p.db.MoveMeeting(ctx, ms[0].ID, 2, 1, true, p.owner)
	if err != nil || !m.Pinned {
		t.Fatalf("move: %+v, %v", m, err)
	}
	// A re-run keeps the pinned meeting.
	if err := p.db.SaveSchedule(ctx, e.ID, nil, p.owner); err != nil {
		t.Fatal(err)
	}
	if ms, _ = p.db.Meetings(ctx, e.ID); len(ms) != 1 || ms[0].Slot != 2 || ms[0].Table != 1 {
		t.Fatalf("after re-run %+v", ms)
	}
	_, err = p.db.MarkMeeting(ctx, m.ID, kakehashi.MeetingHeld, p.outsid)
	wantCode(t, err, kakehashi.EFORBIDDEN)
	if m, err = p.db.MarkMeeting(ctx, m.ID, kakehashi.MeetingHeld, p.requester); err != nil || m.Status != kakehashi.MeetingHeld {
		t.Fatalf("mark: %+v, %v", m, err)
	}
	in := &kakehashi.Introduction{ListingID: p.listing.ID, RequesterID: p.requester.ID, RequesterOrgID: p.requester.OrgID, Message: "Met at the event."}
	if err := p.db.CreateIntroduction(ctx, in, p.requester); err != nil {
		t.Fatal(err)
	}
	if err := p.db.LinkMeetingIntroduction(ctx, m.ID, in.ID, p.requester); err != nil {
		t.Fatal(err)
	}
	if ms, _ = p.db.Meetings(ctx, e.ID); ms[0].IntroductionID != in.ID {
		t.Fatalf("introduction not linked: %+v", ms[0])
	}
	req.Available = []int{99}
	wantCode(t, p.db.UpdateParticipant(ctx, req, p.requester), kakehashi.EINVALID)
	req.Available = nil
	wantCode(t, p.db.UpdateParticipant(ctx, req, p.outsid), kakehashi.EFORBIDDEN)

	// Drafts are hidden from everyone but the organizers.
	draft := testEvent(p.ownerOrg.ID)
	draft.Status = kakehashi.EventDraft
	if err := p.db.CreateEvent(ctx, draft, p.owner); err != nil {
		t.Fatal(err)
	}
	for u, want := range map[*kakehashi.User]int{p.owner: 2, p.requester: 1, nil: 1} {
		if es, err := p.db.Events(ctx, u); err != nil || len(es) != want {
			t.Fatalf("events seen by %v: %d, %v; want %d", u, len(es), err, want)
		}
	}
	wantCode(t, p.db.Register(ctx, &kakehashi.Participant{EventID: draft.ID}, p.requester), kakehashi.ENOTFOUND)
}

func testEventScheduleClashes(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	e, owner, _, r := eventWithRequest(t, p)
	out := &kakehashi.Participant{EventID: e.ID}
	if err := p.db.Register(ctx, out, p.outsid); err != nil {
		t.Fatal(err)
	}
	r2 := &kakehashi.MeetingRequest{FromID: out.ID, ToID: owner.ID, Reason: "Supply"}
	if err := p.db.CreateMeetingRequest(ctx, r2, p.outsid); err != nil {
		t.Fatal(err)
	}
	// Pending requests cannot be scheduled.
	wantCode(t, p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r2.ID, Slot: 0, Table: 0}}, p.owner), kakehashi.EINVALID)
	if _, err := p.db.DecideMeetingRequest(ctx, r2.ID, true, p.owner); err != nil {
		t.Fatal(err)
	}
	// The owner cannot be in two meetings at once; nor two meetings at one table.
	wantCode(t, p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 0, Table: 0}, {RequestID: r2.ID, Slot: 0, Table: 1}}, p.owner), kakehashi.ECONFLICT)
	wantCode(t, p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 0, Table: 5}}, p.owner), kakehashi.EINVALID)
	if err := p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 0, Table: 0}, {RequestID: r2.ID, Slot: 1, Table: 0}}, p.owner); err != nil {
		t.Fatal(err)
	}
	ms, _ := p.db.Meetings(ctx, e.ID)
	_, err := p.db.MoveMeeting(ctx, ms[1].ID, 0, 1, true, p.owner)
	wantCode(t, err, kakehashi.ECONFLICT)
}

func testFairViewsUniquePerDay(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	e := testEvent(p.ownerOrg.ID)
	e.Online = true
	if err := p.db.CreateEvent(ctx, e, p.owner); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		day, visitor string
		fresh        bool
	}{
		{"2027-02-03", "aaaaaaaaaaaaaaaaaaaa", true},
		{"2027-02-03", "aaaaaaaaaaaaaaaaaaaa", false},
		{"2027-02-03", "bbbbbbbbbbbbbbbbbbbb", true},
		{"2027-02-04", "aaaaaaaaaaaaaaaaaaaa", true},
	} {
		fresh, err := p.db.RecordListingView(ctx, e.ID, p.listing.ID, v.day, v.visitor)
		if err != nil || fresh != v.fresh {
			t.Fatalf("view %+v: %v, %v", v, fresh, err)
		}
	}
	st, err := p.db.ListingViews(ctx, e.ID)
	if err != nil || len(st) != 1 || st[0].Views != 3 || st[0].Days != 2 || st[0].OrgID != p.ownerOrg.ID {
		t.Fatalf("stats %+v, %v", st, err)
	}
}
