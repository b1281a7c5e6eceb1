package web

// Business-matching events and online fairs in the browser: the list of
// events, one event's page (details; the registration form; for
// participants suggestions, requests to send and to answer, and their
// agenda; for organizers the participants, every request, the scheduler and
// the schedule grid with its move form; for a fair its listings with view
// counts), the agenda page and its iCalendar file. Access follows the JSON
// API (httpapi/events.go): drafts are seen by their organizers only, and the
// store enforces who may write what.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/search"
)

// EventStore is what the event pages need from the store: Event, Events,
// Register, Participants, CreateMeetingRequest, DecideMeetingRequest,
// MeetingRequests, Meetings, SaveSchedule, MoveMeeting, MarkMeeting and
// ListingViews of kakehashi.EventService.
type EventStore interface {
	kakehashi.EventService
	// IntroduceMeeting opens the introduction of a held meeting and links
	// it, in one transaction (sqlstore/events_intro.go).
	IntroduceMeeting(ctx context.Context, meetingID int64, in *kakehashi.Introduction, actor *kakehashi.User) error
}

// eventRanker is the part of the search engine the suggestions use.
type eventRanker interface {
	RankListing(l *kakehashi.Listing, k int, f search.Filter, viewer *kakehashi.User) []search.Ranked
}

// registerEvents adds the business-matching event pages.
func (h *Handler) registerEvents() {
	h.handle("GET /events", h.eventsPage)
	h.handle("GET /events/new", h.newEvent)
	h.handle("POST /events/new", h.createEvent)
	h.handle("GET /events/{id}", h.eventPage)
	h.handle("GET /events/{id}/edit", h.editEvent)
	h.handle("POST /events/{id}/edit", h.updateEvent)
	h.handle("POST /events/{id}/introduce", h.eventIntroduce)
	h.handle("GET /events/{id}/visit/{listing}", h.eventVisit)
	h.handle("POST /events/{id}/register", h.eventRegister)
	h.handle("POST /events/{id}/requests", h.eventRequest)
	h.handle("POST /events/{id}/decide", h.eventDecide)
	h.handle("POST /events/{id}/schedule", h.eventSchedule)
	h.handle("POST /events/{id}/move", h.eventMove)
	h.handle("POST /events/{id}/mark", h.eventMark)
	h.handle("GET /events/{id}/agenda", h.eventAgenda)
	h.handle("GET /events/{id}/agenda.ics", h.eventCalendar)
}

// visibleEvent loads the event of the path that the visitor may see.
func (h *Handler) visibleEvent(r *http.Request) (*kakehashi.Event, error) {
	id, err := h.pathID(r)
	if err != nil {
		return nil, err
	}
	e, err := h.store.Event(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !kakehashi.CanSeeEvent(kakehashi.UserFromContext(r.Context()), e) {
		return nil, kakehashi.Errorf(kakehashi.ENOTFOUND, "event %d not found", id)
	}
	return e, nil
}

type eventsData struct {
	Events []*kakehashi.Event
	// CanCreate says whether the visitor may organize events: a member of
	// an organization, or staff.
	CanCreate bool
}

func (h *Handler) eventsPage(w http.ResponseWriter, r *http.Request) {
	u := kakehashi.UserFromContext(r.Context())
	list, err := h.store.Events(r.Context(), u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &eventsData{Events: list, CanCreate: u != nil && (u.IsStaff() || u.OrgID != 0 && kakehashi.CanCreateEventFor(u, u.OrgID))}
	h.render(w, r, http.StatusOK, "events", h.view(r, h.text.translate(langOf(r), "events.title"), d))
}

// slotRow is one slot of the schedule grid: a cell per table.
type slotRow struct {
	Slot  kakehashi.Slot
	Cells []*meetingCell
}

// meetingCell is a meeting as the grid shows it.
type meetingCell struct {
	M        *kakehashi.Meeting
	From, To string
}

// suggestionRow is a participant worth meeting.
type suggestionRow struct {
	P     *kakehashi.Participant
	Score float64
}

type eventData struct {
	Event        *kakehashi.Event
	Slots        []kakehashi.Slot
	Organizer    bool
	CanRegister  bool
	Me           *kakehashi.Participant
	Participants []*kakehashi.Participant
	Requests     []app.RequestView
	Suggestions  []suggestionRow
	Grid         []slotRow
	Unplaced     int
	Fair         []fairListing
	Notice       string
	Errors       map[string]string
	Form         map[string]string
	// Checked are the slots ticked in the registration form.
	Checked map[int]bool
}

// Name gives a participant's name by registration id.
func (d *eventData) Name(id int64) string {
	for _, p := range d.Participants {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}

// Span formats a meeting time in the event's time zone, where the
// participants are.
func (v *view) Span(e *kakehashi.Event, start, end time.Time) string {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return start.In(loc).Format("2006-01-02 15:04") + "–" + end.In(loc).Format("15:04")
}

// loadEvent gathers what the event page shows for the visitor.
func (h *Handler) loadEvent(ctx context.Context, u *kakehashi.User, e *kakehashi.Event) (*eventData, error) {
	d := &eventData{Event: e, Slots: e.Slots(), Organizer: u != nil && kakehashi.IsOrganizer(u, e), Errors: map[string]string{},
		Form: map[string]string{}, Checked: map[int]bool{}}
	stored, err := h.store.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	// What the page shows and ranks of each registration, as the API does.
	ps, err := app.ShownParticipants(ctx, h.store, u, stored)
	if err != nil {
		return nil, err
	}
	d.Participants = ps
	for _, p := range ps {
		if u != nil && p.UserID == u.ID {
			d.Me = p
		}
	}
	d.CanRegister = kakehashi.CanRegister(u, e) && d.Me == nil
	if e.Online {
		if d.Fair, err = h.fairListings(ctx, u, e, stored); err != nil {
			return nil, err
		}
	}
	if u == nil {
		return d, nil
	}
	rs, err := h.store.MeetingRequests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	d.Requests = app.RequestViews(u, e, ps, rs)
	if d.Me != nil {
		d.Suggestions = h.eventSuggestions(ctx, u, d.Me, ps)
	}
	if d.Organizer {
		ms, err := h.store.Meetings(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		d.Grid = make([]slotRow, len(d.Slots))
		for i, s := range d.Slots {
			d.Grid[i] = slotRow{Slot: s, Cells: make([]*meetingCell, e.Tables)}
		}
		for _, m := range ms {
			if m.Slot < len(d.Grid) && m.Table < e.Tables {
				d.Grid[m.Slot].Cells[m.Table] = &meetingCell{M: m, From: d.Name(m.FromID), To: d.Name(m.ToID)}
			}
		}
		for _, r := range rs {
			if r.Status == kakehashi.RequestAccepted && !slices.ContainsFunc(ms, func(m *kakehashi.Meeting) bool { return m.RequestID == r.ID }) {
				d.Unplaced++
			}
		}
	}
	return d, nil
}

// eventSuggestions ranks the other participants for me, as the API does;
// none without a search engine that ranks listings.
func (h *Handler) eventSuggestions(ctx context.Context, u *kakehashi.User, me *kakehashi.Participant, ps []*kakehashi.Participant) []suggestionRow {
	rk, ok := h.engine.(eventRanker)
	if !ok {
		return nil
	}
	score := map[int64]float64{}
	for _, id := range me.ListingIDs {
		l, err := h.store.Listing(ctx, id)
		if err != nil {
			continue
		}
		for _, hit := range rk.RankListing(l, 500, search.Filter{}, u) {
			score[hit.ID] += hit.Score
		}
	}
	var out []suggestionRow
	for _, p := range ps {
		if p.ID == me.ID {
			continue
		}
		row := suggestionRow{P: p}
		for _, id := range p.ListingIDs {
			row.Score += score[id]
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(a, b suggestionRow) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return int(a.P.ID - b.P.ID)
	})
	return out[:min(len(out), 10)]
}

// showEvent renders the event page with status, keeping d's form state.
func (h *Handler) showEvent(w http.ResponseWriter, r *http.Request, status int, e *kakehashi.Event, keep func(*eventData)) {
	d, err := h.loadEvent(r.Context(), kakehashi.UserFromContext(r.Context()), e)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if n := r.URL.Query().Get("done"); n != "" {
		d.Notice = "events.done." + n
		if _, ok := h.text.lookup(d.Notice); !ok {
			d.Notice = ""
		}
	}
	if keep != nil {
		keep(d)
	}
	h.render(w, r, status, "event", h.view(r, e.Name, d))
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request) {
	e, err := h.visibleEvent(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.showEvent(w, r, http.StatusOK, e, nil)
}

// back sends the browser to the event page with a notice.
func back(w http.ResponseWriter, r *http.Request, e *kakehashi.Event, done string) {
	http.Redirect(w, r, fmt.Sprintf("/events/%d?done=%s", e.ID, done), http.StatusSeeOther)
}

// formFailed re-renders the event page after a refused write: field errors
// inline (422), a conflict as a form error (409), anything else as an
// error page.
func (h *Handler) formFailed(w http.ResponseWriter, r *http.Request, e *kakehashi.Event, form string, err error, keep func(*eventData)) {
	status := http.StatusUnprocessableEntity
	errs := h.pipelineErrors(langOf(r), err)
	switch kakehashi.ErrorCode(err) {
	case kakehashi.EINVALID:
		if len(errs) == 0 {
			errs["form"] = kakehashi.ErrorMessage(err)
		}
	case kakehashi.ECONFLICT:
		status, errs = http.StatusConflict, map[string]string{"form": kakehashi.ErrorMessage(err)}
	default:
		h.fail(w, r, err)
		return
	}
	h.showEvent(w, r, status, e, func(d *eventData) {
		for k, v := range errs {
			d.Errors[form+"."+k] = v
		}
		if keep != nil {
			keep(d)
		}
	})
}

// writable loads the event of a form post by a signed-in user.
func (h *Handler) writable(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Event) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	e, err := h.visibleEvent(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return u, e
}
