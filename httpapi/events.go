package httpapi

// Business-matching events and online fairs: organizers (members of the
// organizing organization, and staff) create and run an event; signed-in
// users register for it on behalf of their organization with the listings
// they want to talk about and the slots they can meet in; participants send
// one another meeting requests, the recipient accepts or declines; the
// organizers run the scheduler, which places the accepted meetings in slots
// and at tables; each participant gets an agenda, also as an iCalendar file.
// A held meeting opens an introduction in the pipeline. An online fair counts
// unique visitors per listing and day without storing who they are.

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// EventStore is what the event routes need from the store: the
// kakehashi.EventService methods Event, Events, CreateEvent, UpdateEvent,
// Register, UpdateParticipant, Participant, Participants,
// CreateMeetingRequest, DecideMeetingRequest, MeetingRequests, Meetings,
// SaveSchedule, MoveMeeting, MarkMeeting, RecordListingView and
// ListingViews, and IntroduceMeeting, which opens the introduction of a held
// meeting and links it in one transaction.
type EventStore interface {
	kakehashi.EventService
	IntroduceMeeting(ctx context.Context, meetingID int64, in *kakehashi.Introduction, actor *kakehashi.User) error
}

// listingRanker is the part of the search engine the suggestions use
// (search.Engine has it; Searcher does not require it).
type listingRanker interface {
	RankListing(l *kakehashi.Listing, k int, f search.Filter, viewer *kakehashi.User) []search.Ranked
}

// EventView is an event as the API shows it: with its meeting slots (their
// indexes are what availability and meetings refer to) and whether the
// caller organizes it.
type EventView struct {
	kakehashi.Event
	Slots     []kakehashi.Slot `json:"slots"`
	Organizer bool             `json:"organizer"`
}

func eventView(u *kakehashi.User, e *kakehashi.Event) *EventView {
	slots := e.Slots()
	if slots == nil {
		slots = []kakehashi.Slot{}
	}
	return &EventView{Event: *e, Slots: slots, Organizer: u != nil && kakehashi.IsOrganizer(u, e)}
}

// eventBody is an event as a client writes it.
type eventBody struct {
	OrgID          int64                 `json:"org_id,omitempty" doc:"Organizing organization; defaults to the caller's"`
	Name           string                `json:"name" maxLength:"300"`
	Description    string                `json:"description,omitempty" maxLength:"20000"`
	Status         kakehashi.EventStatus `json:"status,omitempty" enum:"draft,open,closed" doc:"draft (organizers only) when left out"`
	Online         bool                  `json:"online,omitempty" doc:"An online fair: the participants' listings with view counts"`
	Venue          string                `json:"venue,omitempty" maxLength:"500"`
	TimeZone       string                `json:"time_zone" doc:"IANA zone of the dates and daily hours, e.g. Asia/Tokyo"`
	StartDate      string                `json:"start_date" doc:"YYYY-MM-DD"`
	EndDate        string                `json:"end_date" doc:"YYYY-MM-DD"`
	DayStart       string                `json:"day_start" doc:"HH:MM, local"`
	DayEnd         string                `json:"day_end" doc:"HH:MM, local"`
	Breaks         []kakehashi.Break     `json:"breaks,omitempty" maxItems:"20"`
	MeetingMinutes int                   `json:"meeting_minutes"`
	Tables         int                   `json:"tables"`
}

// eventPatch changes the fields it carries.
type eventPatch struct {
	Name           *string                `json:"name,omitempty" maxLength:"300"`
	Description    *string                `json:"description,omitempty" maxLength:"20000"`
	Status         *kakehashi.EventStatus `json:"status,omitempty" enum:"draft,open,closed"`
	Online         *bool                  `json:"online,omitempty"`
	Venue          *string                `json:"venue,omitempty" maxLength:"500"`
	TimeZone       *string                `json:"time_zone,omitempty"`
	StartDate      *string                `json:"start_date,omitempty"`
	EndDate        *string                `json:"end_date,omitempty"`
	DayStart       *string                `json:"day_start,omitempty"`
	DayEnd         *string                `json:"day_end,omitempty"`
	Breaks         []kakehashi.Break      `json:"breaks,omitempty" maxItems:"20"`
	MeetingMinutes *int                   `json:"meeting_minutes,omitempty"`
	Tables         *int                   `json:"tables,omitempty"`
}

func (p *eventPatch) apply(e *kakehashi.Event) {
	set(&e.Name, p.Name)
	set(&e.Description, p.Description)
	set(&e.Status, p.Status)
	set(&e.Online, p.Online)
	set(&e.Venue, p.Venue)
	set(&e.TimeZone, p.TimeZone)
	set(&e.StartDate, p.StartDate)
	set(&e.EndDate, p.EndDate)
	set(&e.DayStart, p.DayStart)
	set(&e.DayEnd, p.DayEnd)
	set(&e.MeetingMinutes, p.MeetingMinutes)
	set(&e.Tables, p.Tables)
	if p.Breaks != nil {
		e.Breaks = p.Breaks
	}
}

type eventOutput struct{ Body *EventView }

// visibleEvent loads an event the caller may see; a draft is 404 to anyone
// but its organizers.
func (s *Server) visibleEvent(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Event, error) {
	u := kakehashi.UserFromContext(ctx)
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return nil, nil, s.apiError(ctx, err)
	}
	if !kakehashi.CanSeeEvent(u, e) {
		return nil, nil, huma.Error404NotFound("event " + itoa(id) + " not found")
	}
	return u, e, nil
}

// organizedEvent loads an event the signed-in caller organizes.
func (s *Server) organizedEvent(ctx context.Context, id int64) (*kakehashi.User, *kakehashi.Event, error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, nil, err
	}
	u, e, err := s.visibleEvent(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !kakehashi.IsOrganizer(u, e) {
		return nil, nil, huma.Error403Forbidden("only the organizers of event " + itoa(id) + " may do this")
	}
	return u, e, nil
}

// registerEvents registers the event routes: creating, listing, reading and
// updating events here, then each group's routes in turn, in the order the
// API has always listed them.
func (s *Server) registerEvents(api huma.API) {
	tags := []string{"events"}

	huma.Register(api, huma.Operation{
		OperationID: "create-event", Method: http.MethodPost, Path: "/events", Tags: tags,
		Summary:       "Create a business-matching event or online fair",
		Description:   "Members of the organizing organization and platform staff. A new event is a draft, seen by its organizers only, unless status says otherwise.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct{ Body eventBody }) (*eventOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		b := in.Body
		e := &kakehashi.Event{OrgID: cmp.Or(b.OrgID, u.OrgID), Name: b.Name, Description: b.Description, Status: b.Status, Online: b.Online,
			Venue: b.Venue, TimeZone: b.TimeZone, StartDate: b.StartDate, EndDate: b.EndDate, DayStart: b.DayStart, DayEnd: b.DayEnd,
			Breaks: b.Breaks, MeetingMinutes: b.MeetingMinutes, Tables: b.Tables}
		if e.OrgID != 0 && !kakehashi.CanCreateEventFor(u, e.OrgID) {
			return nil, huma.Error403Forbidden("you may not organize events for organization " + itoa(e.OrgID))
		}
		if err := s.store.CreateEvent(ctx, e, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &eventOutput{Body: eventView(u, e)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-events", Method: http.MethodGet, Path: "/events", Tags: tags,
		Summary: "List events", Description: "Those the caller may see, latest first: drafts only to their organizers.",
	}, func(ctx context.Context, in *PageParams) (*struct{ Body Page[*EventView] }, error) {
		u := kakehashi.UserFromContext(ctx)
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		list, err := s.store.Events(ctx, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if after != 0 {
			i := slices.IndexFunc(list, func(e *kakehashi.Event) bool { return e.ID == after })
			list = list[i+1:] // i is -1 for an unknown cursor: from the start
		}
		list = list[:min(len(list), in.Limit+1)]
		views := make([]*EventView, len(list))
		for i, e := range list {
			views[i] = eventView(u, e)
		}
		return &struct{ Body Page[*EventView] }{Body: page(views, in.Limit, func(v *EventView) int64 { return v.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-event", Method: http.MethodGet, Path: "/events/{id}", Tags: tags,
		Summary: "Get an event with its meeting slots",
	}, func(ctx context.Context, in *idPath) (*eventOutput, error) {
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &eventOutput{Body: eventView(u, e)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-event", Method: http.MethodPatch, Path: "/events/{id}", Tags: tags,
		Summary: "Change an event", Description: "Its organizers. The organizing organization does not change.", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body eventPatch
	}) (*eventOutput, error) {
		u, e, err := s.organizedEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		in.Body.apply(e)
		if err := s.store.UpdateEvent(ctx, e, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &eventOutput{Body: eventView(u, e)}, nil
	})

	s.registerEventParticipants(api, tags)
	s.registerMeetingRequests(api, tags)
	s.registerEventSchedule(api, tags)
	s.registerFairViews(api, tags)
}
