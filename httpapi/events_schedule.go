package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/ical"
	"github.com/kakehashi/kakehashi/schedule"
)

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

// registerEventSchedule registers the routes the scheduler and the agenda serve: running
// the scheduler, the meetings it placed, moving and marking them, opening an
// introduction from a held meeting, and each participant's agenda and calendar.
func (s *Server) registerEventSchedule(api huma.API, tags []string) {
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
}

type calendarOutput struct {
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Body        []byte
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
