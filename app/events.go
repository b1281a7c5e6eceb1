package app

// Business-matching events: what a participant is shown of the other
// registrations, the meeting requests and their own agenda. The JSON API
// (httpapi/events.go) and the pages (web/events.go) both build them here, so
// who sees what is decided once.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/ical"
)

// ParticipantView is a registration as the API and the pages show it.
// Availability is shown to the participant and the organizers only; absent,
// or null, it means every slot.
type ParticipantView struct {
	ID         int64     `json:"id"`
	EventID    int64     `json:"event_id"`
	OrgID      int64     `json:"org_id,omitempty"`
	Name       string    `json:"name"`
	Profile    string    `json:"profile"`
	ListingIDs []int64   `json:"listing_ids"`
	Available  *[]int    `json:"available,omitempty"`
	Mine       bool      `json:"mine"`
	CreatedAt  time.Time `json:"created_at"`
}

// ParticipantOf returns u's registration among ps, nil if none.
func ParticipantOf(u *kakehashi.User, ps []*kakehashi.Participant) *kakehashi.Participant {
	for _, p := range ps {
		if u != nil && p.UserID == u.ID {
			return p
		}
	}
	return nil
}

func byID[T any](list []T, id func(T) int64) map[int64]T {
	m := make(map[int64]T, len(list))
	for _, x := range list {
		m[id(x)] = x
	}
	return m
}

// ListingReader reads one listing, as the store does.
type ListingReader interface {
	Listing(ctx context.Context, id int64) (*kakehashi.Listing, error)
}

// EventReader is what the event views read from the store
// (kakehashi.EventService and ListingReader; sqlstore has both).
type EventReader interface {
	ListingReader
	Participants(ctx context.Context, eventID int64) ([]*kakehashi.Participant, error)
	MeetingRequests(ctx context.Context, eventID int64) ([]*kakehashi.MeetingRequest, error)
	Meetings(ctx context.Context, eventID int64) ([]*kakehashi.Meeting, error)
}

// LoadParticipants loads e's registrations as u may see them
// (ShownParticipants).
func LoadParticipants(ctx context.Context, r EventReader, u *kakehashi.User, e *kakehashi.Event) ([]*kakehashi.Participant, error) {
	ps, err := r.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return ShownParticipants(ctx, r, u, ps)
}

// LoadAgenda loads u's agenda at e (Agenda): empty, not nil, when u has not
// registered.
func LoadAgenda(ctx context.Context, r EventReader, u *kakehashi.User, e *kakehashi.Event) ([]AgendaItem, error) {
	ps, err := LoadParticipants(ctx, r, u, e)
	if err != nil {
		return nil, err
	}
	me := ParticipantOf(u, ps)
	if me == nil {
		return []AgendaItem{}, nil
	}
	ms, err := r.Meetings(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rs, err := r.MeetingRequests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return Agenda(u, e, me, ps, rs, ms), nil
}

// ShownParticipants returns the registrations ps as viewer may see them:
// each one's linked listings cut to those viewer may see with their owner
// (kakehashi.SeesFullListing). A registration names its organization, so
// linking a draft, or a confidential listing whose owner is hidden from the
// viewer, would give either away; rankings built on the result count only
// what the viewer may see. ps is not changed; gone listings are dropped.
// The API and the pages both show participants through it.
func ShownParticipants(ctx context.Context, r ListingReader, viewer *kakehashi.User, ps []*kakehashi.Participant) ([]*kakehashi.Participant, error) {
	shown := map[int64]bool{}
	out := make([]*kakehashi.Participant, len(ps))
	for i, p := range ps {
		c := *p
		c.ListingIDs = make([]int64, 0, len(p.ListingIDs))
		for _, id := range p.ListingIDs {
			ok, seen := shown[id]
			if !seen {
				l, err := r.Listing(ctx, id)
				switch {
				case kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND:
				case err != nil:
					return nil, err
				default:
					ok = kakehashi.SeesFullListing(viewer, l)
				}
				shown[id] = ok
			}
			if ok {
				c.ListingIDs = append(c.ListingIDs, id)
			}
		}
		out[i] = &c
	}
	return out, nil
}

// NewParticipantView shows p to u: availability only to the participant
// and the organizers of e.
func NewParticipantView(u *kakehashi.User, e *kakehashi.Event, p *kakehashi.Participant) ParticipantView {
	v := ParticipantView{ID: p.ID, EventID: p.EventID, OrgID: p.OrgID, Name: p.Name, Profile: p.Profile, ListingIDs: p.ListingIDs,
		Mine: u != nil && u.ID == p.UserID, CreatedAt: p.CreatedAt}
	if v.ListingIDs == nil {
		v.ListingIDs = []int64{}
	}
	if v.Mine || kakehashi.IsOrganizer(u, e) {
		av := p.Available
		v.Available = &av
	}
	return v
}

// RequestView is a meeting request with its participants' names.
type RequestView struct {
	kakehashi.MeetingRequest
	FromName string `json:"from_name"`
	ToName   string `json:"to_name"`
	// Mine says which side the caller is on: sent, received, or empty for
	// an organizer looking on.
	Mine string `json:"mine,omitempty"`
}

// AgendaItem is one of the caller's meetings.
type AgendaItem struct {
	kakehashi.Meeting
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	With     ParticipantView `json:"with"`
	Reason   string          `json:"reason"`
	Location string          `json:"location"`
}

// RequestViews names the requests u sent or received (all for an
// organizer), with the side u is on.
func RequestViews(u *kakehashi.User, e *kakehashi.Event, ps []*kakehashi.Participant, rs []*kakehashi.MeetingRequest) []RequestView {
	byPID := byID(ps, func(p *kakehashi.Participant) int64 { return p.ID })
	me := ParticipantOf(u, ps)
	org := kakehashi.IsOrganizer(u, e)
	out := []RequestView{}
	for _, r := range rs {
		v := RequestView{MeetingRequest: *r}
		if p := byPID[r.FromID]; p != nil {
			v.FromName = p.Name
		}
		if p := byPID[r.ToID]; p != nil {
			v.ToName = p.Name
		}
		switch {
		case me != nil && r.FromID == me.ID:
			v.Mine = "sent"
		case me != nil && r.ToID == me.ID:
			v.Mine = "received"
		case !org:
			continue
		}
		out = append(out, v)
	}
	return out
}

// Agenda builds participant me's agenda from an event's records: each of
// their meetings with its times, the other party, the request's reason and
// where it takes place.
func Agenda(u *kakehashi.User, e *kakehashi.Event, me *kakehashi.Participant, ps []*kakehashi.Participant, rs []*kakehashi.MeetingRequest, ms []*kakehashi.Meeting) []AgendaItem {
	slots := e.Slots()
	byPID := byID(ps, func(p *kakehashi.Participant) int64 { return p.ID })
	reasons := byID(rs, func(r *kakehashi.MeetingRequest) int64 { return r.ID })
	out := []AgendaItem{}
	for _, m := range ms {
		if m.FromID != me.ID && m.ToID != me.ID || m.Slot < 0 || m.Slot >= len(slots) {
			continue
		}
		other := byPID[m.ToID]
		if m.ToID == me.ID {
			other = byPID[m.FromID]
		}
		it := AgendaItem{Meeting: *m, Start: slots[m.Slot].Start, End: slots[m.Slot].End, Location: MeetingLocation(e, m)}
		if other != nil {
			it.With = NewParticipantView(u, e, other)
		}
		if r := reasons[m.RequestID]; r != nil {
			it.Reason = r.Reason
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b AgendaItem) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out
}

// MeetingLocation says where a meeting takes place: online, or its table
// (numbered from 1) at the venue.
func MeetingLocation(e *kakehashi.Event, m *kakehashi.Meeting) string {
	if e.Online {
		return "Online"
	}
	loc := fmt.Sprintf("Table %d", m.Table+1)
	if e.Venue != "" {
		loc += ", " + e.Venue
	}
	return loc
}

// AgendaCalendar turns an agenda into calendar events; a meeting's UID is
// stable (meeting-<id>@kakehashi), so re-importing updates it.
func AgendaCalendar(e *kakehashi.Event, items []AgendaItem) []ical.CalendarEvent {
	out := make([]ical.CalendarEvent, len(items))
	for i, it := range items {
		desc := "Meeting with " + it.With.Name
		if it.Reason != "" {
			desc += "\nReason: " + it.Reason
		}
		out[i] = ical.CalendarEvent{UID: fmt.Sprintf("meeting-%d@kakehashi", it.ID), Start: it.Start, End: it.End,
			Summary: "Meeting with " + it.With.Name + " (" + e.Name + ")", Location: it.Location, Description: desc}
	}
	return out
}
