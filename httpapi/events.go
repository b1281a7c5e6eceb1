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
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/ical"
	"github.com/kakehashi/kakehashi/schedule"
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

// registrationBody is a registration as a participant writes it.
type registrationBody struct {
	Name       string  `json:"name,omitempty" maxLength:"300" doc:"Defaults to the caller's name"`
	Profile    string  `json:"profile,omitempty" maxLength:"5000" doc:"Who you are and whom you want to meet"`
	ListingIDs []int64 `json:"listing_ids,omitempty" maxItems:"20" doc:"Your organization's listings you want to talk about (in a fair: exhibit)"`
	Available  []int   `json:"available,omitempty" maxItems:"2000" doc:"Slot indexes you can meet in; left out means every slot"`
}

// Suggestion is another participant worth meeting, by how well their
// linked listings answer the caller's.
type Suggestion struct {
	Participant app.ParticipantView `json:"participant"`
	Score       float64             `json:"score"`
	// Listings are the participant's listings that matched, best first.
	Listings []int64 `json:"listings"`
}

// ScheduleRun reports what a scheduler run did.
type ScheduleRun struct {
	// Scheduled counts the accepted requests that now have a meeting
	// (including pinned and already marked ones); Unscheduled those that do
	// not fit.
	Scheduled   int            `json:"scheduled"`
	Unscheduled int            `json:"unscheduled"`
	Pinned      int            `json:"pinned"`
	Stats       schedule.Stats `json:"stats"`
}

// ExhibitorViews totals one exhibiting organization's fair views.
type ExhibitorViews struct {
	OrgID    int64 `json:"org_id"`
	Views    int   `json:"views"`
	Listings int   `json:"listings"`
}

// FairStats are an online fair's view counts: per listing, unique visitors
// per day summed over the days, and per exhibiting organization.
type FairStats struct {
	Listings   []*kakehashi.ListingViewStat `json:"listings"`
	Exhibitors []ExhibitorViews             `json:"exhibitors"`
	Total      int                          `json:"total"`
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

	huma.Register(api, huma.Operation{
		OperationID: "list-event-participants", Method: http.MethodGet, Path: "/events/{id}/participants", Tags: tags,
		Summary: "An event's participants", Description: "Signed-in callers who may see the event. Availability only for one's own registration, and for organizers.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []app.ParticipantView }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ps, err := app.LoadParticipants(ctx, s.store, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := make([]app.ParticipantView, len(ps))
		for i, p := range ps {
			out[i] = app.NewParticipantView(u, e, p)
		}
		return &struct{ Body []app.ParticipantView }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "register-for-event", Method: http.MethodPost, Path: "/events/{id}/participants", Tags: tags,
		Summary:       "Register for an open event",
		Description:   "For the caller's organization, with its listings to talk about and the slots the caller can meet in.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body registrationBody
	}) (*struct{ Body app.ParticipantView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		p := &kakehashi.Participant{EventID: e.ID, Name: strings.TrimSpace(in.Body.Name), Profile: strings.TrimSpace(in.Body.Profile),
			ListingIDs: in.Body.ListingIDs, Available: in.Body.Available}
		if err := s.store.Register(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.ParticipantView }{Body: app.NewParticipantView(u, e, p)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-participant", Method: http.MethodPatch, Path: "/participants/{id}", Tags: tags,
		Summary:      "Change a registration: profile, listings, availability",
		Description:  "The participant themselves, or staff. available replaces the slots; null or left out keeps them, [] means none.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Name       *string `json:"name,omitempty" maxLength:"300"`
			Profile    *string `json:"profile,omitempty" maxLength:"5000"`
			ListingIDs []int64 `json:"listing_ids,omitempty" maxItems:"20"`
			Available  *[]int  `json:"available,omitempty" maxItems:"2000"`
			AllSlots   bool    `json:"all_slots,omitempty" doc:"Available in every slot (clears available)"`
		}
	}) (*struct{ Body app.ParticipantView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		p, err := s.store.Participant(ctx, in.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		if !kakehashi.ActsFor(u, p) {
			return nil, huma.Error403Forbidden("only the participant may change registration " + itoa(in.ID))
		}
		e, err := s.store.Event(ctx, p.EventID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		set(&p.Name, in.Body.Name)
		set(&p.Profile, in.Body.Profile)
		if in.Body.ListingIDs != nil {
			p.ListingIDs = in.Body.ListingIDs
		}
		if in.Body.Available != nil {
			p.Available = *in.Body.Available
			if p.Available == nil {
				p.Available = []int{}
			}
		}
		if in.Body.AllSlots {
			p.Available = nil
		}
		if err := s.store.UpdateParticipant(ctx, p, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.ParticipantView }{Body: app.NewParticipantView(u, e, p)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "send-meeting-request", Method: http.MethodPost, Path: "/events/{id}/requests", Tags: tags,
		Summary:       "Ask another participant for a meeting",
		Description:   "From the caller's registration, with the reason for the meeting. The recipient accepts or declines.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			ToID   int64  `json:"to_id" minimum:"1" doc:"The other participant's registration id"`
			Reason string `json:"reason" maxLength:"2000"`
		}
	}) (*struct{ Body app.RequestView }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ps, err := s.store.Participants(ctx, e.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		me := app.ParticipantOf(u, ps)
		if me == nil {
			return nil, huma.Error409Conflict("register for event " + itoa(e.ID) + " before asking for meetings")
		}
		i := slices.IndexFunc(ps, func(p *kakehashi.Participant) bool { return p.ID == in.Body.ToID })
		if i < 0 {
			return nil, huma.Error422UnprocessableEntity("invalid meeting request", &huma.ErrorDetail{Location: "body.to_id", Message: "is not a participant of this event", Value: in.Body.ToID})
		}
		to := ps[i]
		r := &kakehashi.MeetingRequest{FromID: me.ID, ToID: to.ID, Reason: strings.TrimSpace(in.Body.Reason)}
		if err := s.store.CreateMeetingRequest(ctx, r, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body app.RequestView }{Body: app.RequestView{MeetingRequest: *r, FromName: me.Name, ToName: to.Name, Mine: "sent"}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-meeting-requests", Method: http.MethodGet, Path: "/events/{id}/requests", Tags: tags,
		Summary: "Meeting requests", Description: "Those the caller sent or received; organizers see all of the event's.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []app.RequestView }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := s.requestViews(ctx, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []app.RequestView }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "decide-meeting-request", Method: http.MethodPost, Path: "/meeting-requests/{id}/decision", Tags: tags,
		Summary: "Accept or decline a meeting request", Description: "The recipient decides (or staff).", MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Accept bool `json:"accept"`
		}
	}) (*struct{ Body *kakehashi.MeetingRequest }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		r, err := s.store.DecideMeetingRequest(ctx, in.ID, in.Body.Accept, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.MeetingRequest }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "suggest-meetings", Method: http.MethodGet, Path: "/events/{id}/suggestions", Tags: tags,
		Summary: "Whom to meet",
		Description: "The other participants ranked by how well their linked listings answer the caller's (text relevance of the search engine), " +
			"then in registration order. The caller must be registered. 503 without a search engine.",
	}, func(ctx context.Context, in *struct {
		ID    int64 `path:"id" minimum:"1"`
		Limit int   `query:"limit" minimum:"1" maximum:"200" default:"20"`
	}) (*struct{ Body []Suggestion }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := s.suggestions(ctx, u, e, in.Limit)
		if err != nil {
			return nil, err
		}
		return &struct{ Body []Suggestion }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "run-scheduler", Method: http.MethodPost, Path: "/events/{id}/schedule", Tags: tags,
		Summary:     "Schedule the accepted meetings",
		Description: "Organizers. Places every accepted request it can in a slot both participants are available in, at a free table; pinned and already marked meetings stay.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body ScheduleRun }, error) {
		u, e, err := s.organizedEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		run, err := s.runScheduler(ctx, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body ScheduleRun }{Body: *run}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-event-meetings", Method: http.MethodGet, Path: "/events/{id}/meetings", Tags: tags,
		Summary: "The event's schedule", Description: "Organizers: every meeting by slot and table.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []*kakehashi.Meeting }, error) {
		_, e, err := s.organizedEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ms, err := s.store.Meetings(ctx, e.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []*kakehashi.Meeting }{Body: ms}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "move-meeting", Method: http.MethodPatch, Path: "/meetings/{id}", Tags: tags,
		Summary: "Move a meeting, or pin it", Description: "Organizers. A pinned meeting stays where it is when the scheduler runs again. Clashes are refused (409).",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Slot   int  `json:"slot" minimum:"0"`
			Table  int  `json:"table" minimum:"0"`
			Pinned bool `json:"pinned,omitempty" doc:"Keep it here when the scheduler runs again"`
		}
	}) (*struct{ Body *kakehashi.Meeting }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		m, err := s.store.MoveMeeting(ctx, in.ID, in.Body.Slot, in.Body.Table, in.Body.Pinned, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Meeting }{Body: m}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "mark-meeting", Method: http.MethodPost, Path: "/meetings/{id}/mark", Tags: tags,
		Summary: "Record whether a meeting was held", Description: "held, no_show, or back to scheduled. The organizers and the two participants.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Status kakehashi.MeetingStatus `json:"status" enum:"held,no_show,scheduled"`
		}
	}) (*struct{ Body *kakehashi.Meeting }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		m, err := s.store.MarkMeeting(ctx, in.ID, in.Body.Status, u)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.Meeting }{Body: m}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "introduce-meeting", Method: http.MethodPost, Path: "/meetings/{id}/introduction", Tags: tags,
		Summary: "Open an introduction from a held meeting",
		Description: "The organizers and the two participants. The requester is the participant who asked for the meeting; the listing is one the other " +
			"participant linked to the event (listing_id, by default their first), the related listing the requester's first linked one. " +
			"422 when the other participant linked no listing; 409 when the meeting was not held or already opened one.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body *struct {
			ListingID int64  `json:"listing_id,omitempty" doc:"One of the other participant's linked listings"`
			Message   string `json:"message,omitempty" maxLength:"5000"`
		} `required:"false"`
	}) (*introOutput, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		intro := &kakehashi.Introduction{Message: "We met at a business-matching event and would like to follow up."}
		if b := in.Body; b != nil {
			intro.ListingID = b.ListingID
			if strings.TrimSpace(b.Message) != "" {
				intro.Message = b.Message
			}
		}
		if err := s.store.IntroduceMeeting(ctx, in.ID, intro, u); err != nil {
			return nil, s.apiError(ctx, err)
		}
		out, err := s.showIntro(ctx, u, intro)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &introOutput{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "my-agenda", Method: http.MethodGet, Path: "/events/{id}/agenda", Tags: tags,
		Summary: "My meetings at an event", Description: "In time order; empty for a caller who is not registered.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body []app.AgendaItem }, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		items, err := app.LoadAgenda(ctx, s.store, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body []app.AgendaItem }{Body: items}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "my-agenda-calendar", Method: http.MethodGet, Path: "/events/{id}/calendar", Tags: tags,
		Summary: "My meetings at an event as iCalendar (RFC 5545)", Description: "text/calendar: one VEVENT per meeting, times in UTC.",
		Responses: map[string]*huma.Response{"200": {Description: "An iCalendar file", Content: map[string]*huma.MediaType{"text/calendar": {}}}},
	}, func(ctx context.Context, in *idPath) (*calendarOutput, error) {
		if _, err := requireUser(ctx); err != nil {
			return nil, err
		}
		u, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		items, err := app.LoadAgenda(ctx, s.store, u, e)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		var b bytes.Buffer
		if err := ical.WriteCalendar(&b, e.Name, s.now(), app.AgendaCalendar(e, items)); err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &calendarOutput{ContentType: "text/calendar; charset=utf-8",
			Disposition: fmt.Sprintf(`attachment; filename="event-%d-agenda.ics"`, e.ID), Body: b.Bytes()}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "count-fair-view", Method: http.MethodPost, Path: "/events/{id}/views", Tags: tags,
		Summary: "Count a view of a fair listing",
		Description: "Anyone, signed in or not. A visitor counts once per listing and day; the visitor is a keyed hash of address, user agent and day, " +
			"so no address is stored. counted says whether this view was new.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *struct {
		ID        int64  `path:"id" minimum:"1"`
		UserAgent string `header:"User-Agent"`
		Body      struct {
			ListingID int64 `json:"listing_id" minimum:"1"`
		}
	}) (*struct {
		Body struct {
			Counted bool `json:"counted"`
		}
	}, error) {
		_, e, err := s.visibleEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		counted, err := s.countView(ctx, kakehashi.UserFromContext(ctx), e, in.Body.ListingID, requestIP(ctx), in.UserAgent)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Counted bool `json:"counted"`
			}
		}{}
		out.Body.Counted = counted
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "fair-stats", Method: http.MethodGet, Path: "/events/{id}/stats", Tags: tags,
		Summary: "An online fair's view counts", Description: "Organizers: unique visitors per day, summed, per listing and per exhibiting organization.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body FairStats }, error) {
		_, e, err := s.organizedEvent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		st, err := fairStats(ctx, s.store, e.ID)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body FairStats }{Body: *st}, nil
	})
}

type calendarOutput struct {
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Body        []byte
}

// requestViews lists the requests u sent or received at e, all of them for
// an organizer.
func (s *Server) requestViews(ctx context.Context, u *kakehashi.User, e *kakehashi.Event) ([]app.RequestView, error) {
	ps, err := s.store.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.MeetingRequests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return app.RequestViews(u, e, ps, rs), nil
}

// suggestions ranks the other participants of e for u's registration.
func (s *Server) suggestions(ctx context.Context, u *kakehashi.User, e *kakehashi.Event, limit int) ([]Suggestion, error) {
	ranker, ok := s.search.(listingRanker)
	if s.search == nil || !ok {
		return nil, huma.Error503ServiceUnavailable("suggestions need the search engine, which this server runs without")
	}
	ps, err := app.LoadParticipants(ctx, s.store, u, e)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	me := app.ParticipantOf(u, ps)
	if me == nil {
		return nil, huma.Error409Conflict("register for event " + itoa(e.ID) + " to get suggestions")
	}
	var mine []*kakehashi.Listing
	for _, id := range me.ListingIDs {
		l, err := s.store.Listing(ctx, id)
		if err != nil {
			if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
				continue
			}
			return nil, s.apiError(ctx, err)
		}
		mine = append(mine, l)
	}
	out := rankParticipants(ranker, u, e, me, ps, mine)
	return out[:min(len(out), limit)], nil
}

// rankParticipants orders the participants other than me by the summed text
// relevance of their linked listings to my listings, then by registration
// order: deterministic for a given index.
func rankParticipants(r listingRanker, u *kakehashi.User, e *kakehashi.Event, me *kakehashi.Participant, ps []*kakehashi.Participant, mine []*kakehashi.Listing) []Suggestion {
	score := map[int64]float64{}
	for _, l := range mine {
		for _, hit := range r.RankListing(l, 500, search.Filter{}, u) {
			score[hit.ID] += hit.Score
		}
	}
	out := []Suggestion{}
	for _, p := range ps {
		if p.ID == me.ID {
			continue
		}
		sg := Suggestion{Participant: app.NewParticipantView(u, e, p), Listings: []int64{}}
		for _, id := range p.ListingIDs {
			if sc, ok := score[id]; ok {
				sg.Score += sc
				sg.Listings = append(sg.Listings, id)
			}
		}
		slices.SortStableFunc(sg.Listings, func(a, b int64) int { return cmp.Compare(score[b], score[a]) })
		out = append(out, sg)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Participant.ID, b.Participant.ID))
	})
	return out
}

// runScheduler solves e's schedule from the stored registrations, requests
// and meetings and saves it. The seed is the event's id, so a re-run on the
// same data gives the same schedule (unless the time budget cuts it short).
func (s *Server) runScheduler(ctx context.Context, u *kakehashi.User, e *kakehashi.Event) (*ScheduleRun, error) {
	ps, err := s.store.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.MeetingRequests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Meetings(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	plan, err := schedule.NewPlan(e, ps, rs, ms)
	if err != nil {
		return nil, fmt.Errorf("plan event %d: %w", e.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	placed, stats, err := plan.Run(ctx, schedule.Options{Seed: uint64(e.ID), Budget: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("schedule event %d: %w", e.ID, err)
	}
	if err := s.store.SaveSchedule(ctx, e.ID, placed, u); err != nil {
		return nil, err
	}
	run := &ScheduleRun{Stats: stats}
	for _, m := range plan.Problem.Meetings {
		if m.Pinned {
			run.Pinned++
		}
	}
	run.Scheduled = len(placed) + run.Pinned
	run.Unscheduled = len(plan.Problem.Meetings) - run.Scheduled
	return run, nil
}

// countView records a view of listingID at fair e by the visitor at ip with
// userAgent, once per day (UTC).
func (s *Server) countView(ctx context.Context, viewer *kakehashi.User, e *kakehashi.Event, listingID int64, ip, userAgent string) (bool, error) {
	if !e.Online {
		return false, huma.Error409Conflict("event " + itoa(e.ID) + " is not an online fair")
	}
	// Only what this visitor may see is exhibited to them: a listing they
	// may not see answers as one not exhibited, so that counting cannot
	// probe which hidden listings a fair shows, nor inflate their counts.
	ps, err := app.LoadParticipants(ctx, s.store, viewer, e)
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	if !slices.ContainsFunc(ps, func(p *kakehashi.Participant) bool { return slices.Contains(p.ListingIDs, listingID) }) {
		return false, huma.Error422UnprocessableEntity("invalid view", &huma.ErrorDetail{Location: "body.listing_id", Message: "is not exhibited at this fair", Value: listingID})
	}
	secret, err := s.store.Secret(ctx, auth.FairViewsSecret)
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	day := auth.VisitorDay(s.now())
	counted, err := s.store.RecordListingView(ctx, e.ID, listingID, day, auth.VisitorHash(secret, ip, userAgent, day))
	if err != nil {
		return false, s.apiError(ctx, err)
	}
	return counted, nil
}

// fairStats totals an event's fair views per listing and per exhibitor.
func fairStats(ctx context.Context, st EventStore, eventID int64) (*FairStats, error) {
	ls, err := st.ListingViews(ctx, eventID)
	if err != nil {
		return nil, err
	}
	out := &FairStats{Listings: ls, Exhibitors: []ExhibitorViews{}}
	idx := map[int64]int{}
	for _, l := range ls {
		out.Total += l.Views
		i, ok := idx[l.OrgID]
		if !ok {
			i = len(out.Exhibitors)
			idx[l.OrgID] = i
			out.Exhibitors = append(out.Exhibitors, ExhibitorViews{OrgID: l.OrgID})
		}
		out.Exhibitors[i].Views += l.Views
		out.Exhibitors[i].Listings++
	}
	slices.SortStableFunc(out.Exhibitors, func(a, b ExhibitorViews) int {
		return cmp.Or(cmp.Compare(b.Views, a.Views), cmp.Compare(a.OrgID, b.OrgID))
	})
	return out, nil
}
