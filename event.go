package kakehashi

import (
	"context"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // events name IANA time zones; do not depend on the host's database
)

// EventStatus is where an event is in its life.
type EventStatus string

// Event statuses: a draft is seen only by its organizers; an open event takes
// registrations and requests; a closed one is over (meetings get marked).
const (
	EventDraft  EventStatus = "draft"
	EventOpen   EventStatus = "open"
	EventClosed EventStatus = "closed"
)

// Break is a daily pause of an event, in its local time ("15:04").
type Break struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Event is a business-matching (brokerage) event, or, when Online, an online
// fair: a published collection of the participants' listings with view
// counts.
type Event struct {
	ID int64 `json:"id"`
	// OrgID is the organizing organization; its members run the event.
	OrgID       int64       `json:"org_id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Status      EventStatus `json:"status"`
	Online      bool        `json:"online"`
	Venue       string      `json:"venue,omitempty"`
	// TimeZone is an IANA name; days, daily hours and breaks are local to it.
	TimeZone  string  `json:"time_zone"`
	StartDate string  `json:"start_date"` // 2006-01-02
	EndDate   string  `json:"end_date"`
	DayStart  string  `json:"day_start"` // 15:04
	DayEnd    string  `json:"day_end"`
	Breaks    []Break `json:"breaks"`
	// MeetingMinutes is the length of one meeting slot; Tables how many
	// meetings can run at once.
	MeetingMinutes int       `json:"meeting_minutes"`
	Tables         int       `json:"tables"`
	CreatedBy      int64     `json:"created_by,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Slot is one meeting time of an event, in UTC.
type Slot struct {
	Index int       `json:"index"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// maxEventDays and maxEventSlots keep generated schedules a sensible size.
const (
	maxEventDays  = 14
	maxEventSlots = 2000
)

// Normalize trims the text fields and fills defaults.
func (e *Event) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.Description = strings.TrimSpace(e.Description)
	e.Venue = strings.TrimSpace(e.Venue)
	e.TimeZone = strings.TrimSpace(e.TimeZone)
	if e.Status == "" {
		e.Status = EventDraft
	}
	if e.Breaks == nil {
		e.Breaks = []Break{}
	}
}

// Validate reports every invalid field of the event.
func (e *Event) Validate() error {
	var p Problems
	if e.OrgID <= 0 {
		p.Add("org_id", "is required")
	}
	checkText(&p, "name", e.Name, 1, 300)
	checkText(&p, "description", e.Description, 0, 20000)
	checkText(&p, "venue", e.Venue, 0, 500)
	switch e.Status {
	case EventDraft, EventOpen, EventClosed:
	default:
		p.Add("status", "must be draft, open or closed")
	}
	if _, err := time.LoadLocation(e.TimeZone); err != nil || e.TimeZone == "" {
		p.Add("time_zone", "must be an IANA time zone such as Asia/Tokyo")
	}
	start, err1 := time.Parse(time.DateOnly, e.StartDate)
	end, err2 := time.Parse(time.DateOnly, e.EndDate)
	switch {
	case err1 != nil:
		p.Add("start_date", "must be a date YYYY-MM-DD")
	case err2 != nil:
		p.Add("end_date", "must be a date YYYY-MM-DD")
	case end.Before(start):
		p.Add("end_date", "must not be before start_date")
	case end.Sub(start) >= maxEventDays*24*time.Hour:
		p.Add("end_date", "an event lasts at most %d days", maxEventDays)
	}
	ds, errS := parseClock(e.DayStart)
	de, errE := parseClock(e.DayEnd)
	if errS != nil {
		p.Add("day_start", "must be a time HH:MM")
	}
	if errE != nil {
		p.Add("day_end", "must be a time HH:MM")
	} else if errS == nil && de <= ds {
		p.Add("day_end", "must be after day_start")
	}
	for i, b := range e.Breaks {
		bs, err1 := parseClock(b.Start)
		be, err2 := parseClock(b.End)
		if err1 != nil || err2 != nil || be <= bs {
			p.Add("breaks["+itoa(i)+"]", "must be a start and a later end, HH:MM")
		}
	}
	if e.MeetingMinutes < 5 || e.MeetingMinutes > 240 {
		p.Add("meeting_minutes", "must be between 5 and 240")
	}
	if e.Tables < 1 || e.Tables > 10000 {
		p.Add("tables", "must be between 1 and 10000")
	}
	if err := p.Err("event"); err != nil {
		return err
	}
	if n := len(e.Slots()); n == 0 || n > maxEventSlots {
		p.Add("meeting_minutes", "the event must have between 1 and %d meeting slots, got %d", maxEventSlots, n)
	}
	return p.Err("event")
}

// Slots returns the event's meeting slots: from DayStart to DayEnd of every
// day, MeetingMinutes each, leaving out any slot that overlaps a break. A
// slot's local times are converted to UTC with the event's time zone, so
// daylight-saving changes are honored. An invalid event has no slots.
func (e *Event) Slots() []Slot {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || e.MeetingMinutes <= 0 {
		return nil
	}
	start, err1 := time.Parse(time.DateOnly, e.StartDate)
	end, err2 := time.Parse(time.DateOnly, e.EndDate)
	ds, err3 := parseClock(e.DayStart)
	de, err4 := parseClock(e.DayEnd)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || end.Before(start) || end.Sub(start) >= maxEventDays*24*time.Hour {
		return nil
	}
	type span struct{ a, b time.Duration }
	var breaks []span
	for _, b := range e.Breaks {
		bs, err1 := parseClock(b.Start)
		be, err2 := parseClock(b.End)
		if err1 == nil && err2 == nil && be > bs {
			breaks = append(breaks, span{bs, be})
		}
	}
	length := time.Duration(e.MeetingMinutes) * time.Minute
	var out []Slot
	for day := start; !day.After(end); day = day.AddDate(0, 0, 1) {
		t := ds
		for t+length <= de && len(out) <= maxEventSlots {
			clash := false
			for _, b := range breaks {
				if t < b.b && t+length > b.a {
					t, clash = b.b, true
					break
				}
			}
			if clash {
				continue
			}
			at := time.Date(day.Year(), day.Month(), day.Day(), int(t/time.Hour), int(t%time.Hour/time.Minute), 0, 0, loc)
			out = append(out, Slot{Index: len(out), Start: at.UTC(), End: at.Add(length).UTC()})
			t += length
		}
	}
	return out
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// Participant is a user's registration for an event, on behalf of their
// organization.
type Participant struct {
	ID      int64  `json:"id"`
	EventID int64  `json:"event_id"`
	UserID  int64  `json:"user_id"`
	OrgID   int64  `json:"org_id,omitempty"`
	Name    string `json:"name"`
	Profile string `json:"profile"`
	// ListingIDs are the participant's listings they want to talk about; in
	// an online fair they are what the participant exhibits.
	ListingIDs []int64 `json:"listing_ids"`
	// Available lists the slot indexes the participant can meet in; nil
	// means every slot.
	Available []int     `json:"available"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate reports every invalid field of a registration; slots is the
// event's number of slots.
func (pt *Participant) Validate(slots int) error {
	var p Problems
	if pt.EventID <= 0 {
		p.Add("event_id", "is required")
	}
	if pt.UserID <= 0 {
		p.Add("user_id", "is required")
	}
	checkText(&p, "name", strings.TrimSpace(pt.Name), 0, 300)
	checkText(&p, "profile", pt.Profile, 0, 5000)
	if len(pt.ListingIDs) > 20 {
		p.Add("listing_ids", "at most 20 listings")
	}
	for i, id := range pt.ListingIDs {
		if id <= 0 {
			p.Add("listing_ids["+itoa(i)+"]", "must be a listing id")
		}
	}
	for i, s := range pt.Available {
		if s < 0 || s >= slots {
			p.Add("available["+itoa(i)+"]", "must be a slot index from 0 to %d", slots-1)
		}
	}
	return p.Err("registration")
}

// AvailableIn reports whether the participant can meet in slot s.
func (pt *Participant) AvailableIn(s int) bool {
	return pt.Available == nil || slices.Contains(pt.Available, s)
}

// RequestStatus is the state of a meeting request.
type RequestStatus string

// Meeting request states.
const (
	RequestPending  RequestStatus = "pending"
	RequestAccepted RequestStatus = "accepted"
	RequestDeclined RequestStatus = "declined"
)

// MeetingRequest is one participant asking another for a meeting.
type MeetingRequest struct {
	ID        int64         `json:"id"`
	EventID   int64         `json:"event_id"`
	FromID    int64         `json:"from_id"` // participant ids
	ToID      int64         `json:"to_id"`
	Reason    string        `json:"reason"`
	Status    RequestStatus `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	DecidedAt *time.Time    `json:"decided_at,omitempty"`
}

// Validate reports every invalid field of a new request.
func (r *MeetingRequest) Validate() error {
	var p Problems
	if r.FromID <= 0 {
		p.Add("from_id", "is required")
	}
	if r.ToID <= 0 {
		p.Add("to_id", "is required")
	} else if r.ToID == r.FromID {
		p.Add("to_id", "cannot request a meeting with yourself")
	}
	checkText(&p, "reason", strings.TrimSpace(r.Reason), 1, 2000)
	return p.Err("meeting request")
}

// MeetingStatus is what became of a scheduled meeting.
type MeetingStatus string

// Meeting states.
const (
	MeetingScheduled MeetingStatus = "scheduled"
	MeetingHeld      MeetingStatus = "held"
	MeetingNoShow    MeetingStatus = "no_show"
)

// Meeting is an accepted request placed in a slot at a table.
type Meeting struct {
	ID        int64 `json:"id"`
	EventID   int64 `json:"event_id"`
	RequestID int64 `json:"request_id"`
	// FromID and ToID repeat the request's participants.
	FromID int64         `json:"from_id"`
	ToID   int64         `json:"to_id"`
	Slot   int           `json:"slot"`
	Table  int           `json:"table"`
	Pinned bool          `json:"pinned"`
	Status MeetingStatus `json:"status"`
	// IntroductionID is the introduction a held meeting opened, if any.
	IntroductionID int64     `json:"introduction_id,omitempty"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ListingViewStat counts an online fair listing's views: each visitor counts
// once a day.
type ListingViewStat struct {
	ListingID int64 `json:"listing_id"`
	OrgID     int64 `json:"org_id"`
	Views     int   `json:"views"`
	Days      int   `json:"days"`
}

// EventService stores events, registrations, requests and schedules.
type EventService interface {
	Event(ctx context.Context, id int64) (*Event, error)
	Events(ctx context.Context, viewer *User) ([]*Event, error)
	CreateEvent(ctx context.Context, e *Event, actor *User) error
	UpdateEvent(ctx context.Context, e *Event, actor *User) error
	Register(ctx context.Context, p *Participant, actor *User) error
	UpdateParticipant(ctx context.Context, p *Participant, actor *User) error
	Participant(ctx context.Context, id int64) (*Participant, error)
	Participants(ctx context.Context, eventID int64) ([]*Participant, error)
	CreateMeetingRequest(ctx context.Context, r *MeetingRequest, actor *User) error
	DecideMeetingRequest(ctx context.Context, id int64, accept bool, actor *User) (*MeetingRequest, error)
	MeetingRequests(ctx context.Context, eventID int64) ([]*MeetingRequest, error)
	Meetings(ctx context.Context, eventID int64) ([]*Meeting, error)
	SaveSchedule(ctx context.Context, eventID int64, placed []*Meeting, actor *User) error
	MoveMeeting(ctx context.Context, id int64, slot, table int, pinned bool, actor *User) (*Meeting, error)
	MarkMeeting(ctx context.Context, id int64, status MeetingStatus, actor *User) (*Meeting, error)
	RecordListingView(ctx context.Context, eventID, listingID int64, day string, visitorHash string) (bool, error)
	ListingViews(ctx context.Context, eventID int64) ([]*ListingViewStat, error)
}

// IsOrganizer reports whether u runs event e: members of the organizing
// organization and platform staff.
func IsOrganizer(u *User, e *Event) bool { return u.IsStaff() || u.InOrg(e.OrgID) }

// CanSeeEvent reports whether viewer may see e: anyone once it is open or
// closed, only its organizers while it is a draft.
func CanSeeEvent(viewer *User, e *Event) bool {
	return e.Status != EventDraft || IsOrganizer(viewer, e)
}

// CanCreateEventFor reports whether actor may organize events for orgID.
func CanCreateEventFor(actor *User, orgID int64) bool {
	return actor.IsStaff() || actor.InOrg(orgID)
}

// CanRegister reports whether actor may register for e: any signed-in user
// while it is open.
func CanRegister(actor *User, e *Event) bool { return actor != nil && e.Status == EventOpen }

// ActsFor reports whether u speaks for participant p: the registered user or
// platform staff.
func ActsFor(u *User, p *Participant) bool {
	return u != nil && (u.ID == p.UserID || u.IsStaff())
}

// CanMarkMeeting reports whether u may mark a meeting held or no-show: the
// event's organizers and the meeting's two participants.
func CanMarkMeeting(u *User, e *Event, from, to *Participant) bool {
	return IsOrganizer(u, e) || ActsFor(u, from) || ActsFor(u, to)
}
