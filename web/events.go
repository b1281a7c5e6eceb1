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
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/ical"
	"github.com/kakehashi/kakehashi/schedule"
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

// fairListing is an exhibited listing with its view count.
type fairListing struct {
	Listing *kakehashi.Listing
	Views   int
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

// fairListings lists the listings a fair exhibits that u may see, most
// viewed first.
func (h *Handler) fairListings(ctx context.Context, u *kakehashi.User, e *kakehashi.Event, ps []*kakehashi.Participant) ([]fairListing, error) {
	stats, err := h.store.ListingViews(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	views := map[int64]int{}
	for _, s := range stats {
		views[s.ListingID] = s.Views
	}
	var out []fairListing
	for _, p := range ps {
		for _, id := range p.ListingIDs {
			l, err := h.store.Listing(ctx, id)
			if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			if shown := kakehashi.Redact(u, l); shown != nil {
				out = append(out, fairListing{Listing: shown, Views: views[id]})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b fairListing) int { return b.Views - a.Views })
	return out, nil
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

func (h *Handler) eventRegister(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	p := &kakehashi.Participant{EventID: e.ID, Profile: strings.TrimSpace(r.PostFormValue("profile"))}
	errs := map[string]string{}
	for _, f := range strings.FieldsFunc(r.PostFormValue("listing_ids"), func(c rune) bool { return c == ',' || c == ' ' }) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n <= 0 {
			errs["register.listing_ids"] = h.text.translate(langOf(r), "events.err.listing_ids")
			continue
		}
		p.ListingIDs = append(p.ListingIDs, n)
	}
	r.ParseForm()
	if r.PostForm.Get("all_slots") == "" {
		p.Available = []int{}
		for _, s := range r.PostForm["slot"] {
			if n, err := strconv.Atoi(s); err == nil {
				p.Available = append(p.Available, n)
			}
		}
	}
	keep := func(d *eventData) {
		d.Form["profile"], d.Form["listing_ids"] = r.PostFormValue("profile"), r.PostFormValue("listing_ids")
		for _, s := range p.Available {
			d.Checked[s] = true
		}
		for k, v := range errs {
			d.Errors[k] = v
		}
	}
	if len(errs) > 0 {
		h.showEvent(w, r, http.StatusUnprocessableEntity, e, keep)
		return
	}
	if err := h.store.Register(r.Context(), p, u); err != nil {
		h.formFailed(w, r, e, "register", err, keep)
		return
	}
	back(w, r, e, "registered")
}

func (h *Handler) eventRequest(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	ps, err := h.store.Participants(r.Context(), e.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var me *kakehashi.Participant
	for _, p := range ps {
		if p.UserID == u.ID {
			me = p
		}
	}
	if me == nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "register first"))
		return
	}
	to, _ := strconv.ParseInt(r.PostFormValue("to_id"), 10, 64)
	req := &kakehashi.MeetingRequest{FromID: me.ID, ToID: to, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if err := h.store.CreateMeetingRequest(r.Context(), req, u); err != nil {
		h.formFailed(w, r, e, "request", err, func(d *eventData) {
			d.Form["reason"], d.Form["to_id"] = r.PostFormValue("reason"), r.PostFormValue("to_id")
		})
		return
	}
	back(w, r, e, "requested")
}

func (h *Handler) eventDecide(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("request_id"), 10, 64)
	accept := r.PostFormValue("accept") == "1"
	if _, err := h.store.DecideMeetingRequest(r.Context(), id, accept, u); err != nil {
		h.formFailed(w, r, e, "decide", err, nil)
		return
	}
	back(w, r, e, "decided")
}

func (h *Handler) eventSchedule(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	if !kakehashi.IsOrganizer(u, e) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "organizers only"))
		return
	}
	if err := h.runSchedule(r.Context(), u, e); err != nil {
		h.formFailed(w, r, e, "schedule", err, nil)
		return
	}
	back(w, r, e, "scheduled")
}

// runSchedule solves and saves e's schedule with the schedule package's
// glue, seeded with the event's id as the API does.
func (h *Handler) runSchedule(ctx context.Context, u *kakehashi.User, e *kakehashi.Event) error {
	ps, err := h.store.Participants(ctx, e.ID)
	if err != nil {
		return err
	}
	rs, err := h.store.MeetingRequests(ctx, e.ID)
	if err != nil {
		return err
	}
	ms, err := h.store.Meetings(ctx, e.ID)
	if err != nil {
		return err
	}
	plan, err := schedule.NewPlan(e, ps, rs, ms)
	if err != nil {
		return fmt.Errorf("plan event %d: %w", e.ID, err)
	}
	placed, _, err := plan.Run(ctx, schedule.Options{Seed: uint64(e.ID), Budget: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("schedule event %d: %w", e.ID, err)
	}
	return h.store.SaveSchedule(ctx, e.ID, placed, u)
}

func (h *Handler) eventMove(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("meeting_id"), 10, 64)
	slot, err1 := strconv.Atoi(r.PostFormValue("slot"))
	table, err2 := strconv.Atoi(r.PostFormValue("table"))
	if err1 != nil || err2 != nil {
		h.formFailed(w, r, e, "move", &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid move",
			Fields: []kakehashi.FieldError{{Field: "slot", Message: "slot or table is outside the event"}}}, nil)
		return
	}
	// The form numbers tables from 1.
	if _, err := h.store.MoveMeeting(r.Context(), id, slot, table-1, r.PostFormValue("pinned") != "", u); err != nil {
		h.formFailed(w, r, e, "move", err, nil)
		return
	}
	back(w, r, e, "moved")
}

func (h *Handler) eventMark(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("meeting_id"), 10, 64)
	if _, err := h.store.MarkMeeting(r.Context(), id, kakehashi.MeetingStatus(r.PostFormValue("status")), u); err != nil {
		h.formFailed(w, r, e, "mark", err, nil)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/events/%d/agenda", e.ID), http.StatusSeeOther)
}

type agendaData struct {
	Event *kakehashi.Event
	Items []app.AgendaItem
	// Failed is the meeting whose introduction was refused, Error why.
	Failed int64
	Error  string
}

// myAgenda loads the visitor's agenda at the event of the path.
func (h *Handler) myAgenda(w http.ResponseWriter, r *http.Request) (*kakehashi.Event, []app.AgendaItem) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	e, err := h.visibleEvent(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	items, err := app.LoadAgenda(r.Context(), h.store, u, e)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	return e, items
}

func (h *Handler) eventAgenda(w http.ResponseWriter, r *http.Request) {
	e, items := h.myAgenda(w, r)
	if e == nil {
		return
	}
	h.render(w, r, http.StatusOK, "event_agenda", h.view(r, h.text.translate(langOf(r), "events.agenda"), &agendaData{Event: e, Items: items}))
}

func (h *Handler) eventCalendar(w http.ResponseWriter, r *http.Request) {
	e, items := h.myAgenda(w, r)
	if e == nil {
		return
	}
	var b bytes.Buffer
	if err := ical.WriteCalendar(&b, e.Name, h.now(), app.AgendaCalendar(e, items)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="event-%d-agenda.ics"`, e.ID))
	w.Write(b.Bytes())
}

// ---- Creating and editing an event ------------------------------------------

type eventFormData struct {
	E      *kakehashi.Event
	Orgs   []*kakehashi.Organization
	Breaks string
	// Minutes and Tables are the numbers as typed.
	Minutes, Tables string
	Errors          map[string]string
}

// Statuses lists the event statuses for the form.
func (d *eventFormData) Statuses() []kakehashi.EventStatus {
	return []kakehashi.EventStatus{kakehashi.EventDraft, kakehashi.EventOpen, kakehashi.EventClosed}
}

func (h *Handler) eventFormView(r *http.Request, d *eventFormData) *view {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title := "events.new.title"
	if d.E.ID != 0 {
		title = "events.edit.title"
	} else if u := kakehashi.UserFromContext(r.Context()); u.IsStaff() && d.Orgs == nil {
		d.Orgs, _ = h.store.Organizations(r.Context(), kakehashi.OrganizationFilter{Limit: 1000})
	}
	return h.view(r, h.text.translate(langOf(r), title), d)
}

// formatBreaks writes breaks one a line, "12:00-13:00".
func formatBreaks(bs []kakehashi.Break) string {
	lines := make([]string, len(bs))
	for i, b := range bs {
		lines[i] = b.Start + "-" + b.End
	}
	return strings.Join(lines, "\n")
}

// eventForm reads the posted event form into e, reporting what cannot be
// read; the domain's Validate judges the rest.
func eventForm(r *http.Request, e *kakehashi.Event, d *eventFormData) *kakehashi.Problems {
	var p kakehashi.Problems
	f := r.PostForm
	e.Name, e.Description, e.Venue, e.TimeZone = f.Get("name"), f.Get("description"), f.Get("venue"), f.Get("time_zone")
	e.Status, e.Online = kakehashi.EventStatus(f.Get("status")), f.Get("online") != ""
	e.StartDate, e.EndDate = strings.TrimSpace(f.Get("start_date")), strings.TrimSpace(f.Get("end_date"))
	e.DayStart, e.DayEnd = strings.TrimSpace(f.Get("day_start")), strings.TrimSpace(f.Get("day_end"))
	d.Breaks, d.Minutes, d.Tables = f.Get("breaks"), f.Get("meeting_minutes"), f.Get("tables")
	e.Breaks = []kakehashi.Break{}
	for i, line := range strings.Split(d.Breaks, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "–", "-"))
		if line == "" {
			continue
		}
		a, b, ok := strings.Cut(line, "-")
		if !ok {
			p.Add("breaks", "line %d: must be a start and a later end, HH:MM", i+1)
			continue
		}
		e.Breaks = append(e.Breaks, kakehashi.Break{Start: strings.TrimSpace(a), End: strings.TrimSpace(b)})
	}
	for _, pair := range []struct {
		name, text string
		dst        *int
	}{{"meeting_minutes", d.Minutes, &e.MeetingMinutes}, {"tables", d.Tables, &e.Tables}} {
		n, err := strconv.Atoi(strings.TrimSpace(pair.text))
		if err != nil {
			p.Add(pair.name, "%q is not a number", pair.text)
		}
		*pair.dst = n
	}
	return &p
}

func (h *Handler) newEvent(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	zone := "Asia/Tokyo"
	if langOf(r) == langEN {
		zone = "UTC"
	}
	e := &kakehashi.Event{OrgID: u.OrgID, Status: kakehashi.EventDraft, TimeZone: zone, DayStart: "09:00", DayEnd: "17:00",
		MeetingMinutes: 30, Tables: 10}
	d := &eventFormData{E: e, Breaks: "12:00-13:00", Minutes: "30", Tables: "10"}
	h.render(w, r, http.StatusOK, "event_form", h.eventFormView(r, d))
}

func (h *Handler) createEvent(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	e := &kakehashi.Event{OrgID: ownerFor(r, u)}
	// As the API: organizers are members of the organization, and staff.
	if e.OrgID != 0 && !kakehashi.CanCreateEventFor(u, e.OrgID) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "you may not organize events for organization %d", e.OrgID))
		return
	}
	d := &eventFormData{E: e}
	h.saveEvent(w, r, u, d, eventForm(r, e, d), h.store.CreateEvent)
}

// saveEvent validates the posted event and stores it with save, or renders
// the form again with its errors inline.
func (h *Handler) saveEvent(w http.ResponseWriter, r *http.Request, u *kakehashi.User, d *eventFormData, p *kakehashi.Problems,
	save func(ctx context.Context, e *kakehashi.Event, actor *kakehashi.User) error) {
	lang := langOf(r)
	e := d.E
	e.Normalize()
	if d.Errors = fieldErrors(lang, p.Err("event"), e.Validate()); len(d.Errors) == 0 {
		err := save(r.Context(), e, u)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/events/%d?done=saved", e.ID), http.StatusSeeOther)
			return
		}
		if kakehashi.ErrorCode(err) != kakehashi.EINVALID {
			h.fail(w, r, err)
			return
		}
		if d.Errors = fieldErrors(lang, err); len(d.Errors) == 0 {
			d.Errors = map[string]string{"form": kakehashi.ErrorMessage(err)}
		}
	}
	h.render(w, r, http.StatusUnprocessableEntity, "event_form", h.eventFormView(r, d))
}

// organizedEvent loads the event of the path for one of its organizers:
// 404 when the visitor may not see it, 403 when they may but do not run it,
// as the API.
func (h *Handler) organizedEvent(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Event) {
	u, e := h.writable(w, r)
	if e == nil {
		return nil, nil
	}
	if !kakehashi.IsOrganizer(u, e) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers of event %d may change it", e.ID))
		return nil, nil
	}
	return u, e
}

func (h *Handler) editEvent(w http.ResponseWriter, r *http.Request) {
	_, e := h.organizedEvent(w, r)
	if e == nil {
		return
	}
	d := &eventFormData{E: e, Breaks: formatBreaks(e.Breaks), Minutes: strconv.Itoa(e.MeetingMinutes), Tables: strconv.Itoa(e.Tables)}
	h.render(w, r, http.StatusOK, "event_form", h.eventFormView(r, d))
}

func (h *Handler) updateEvent(w http.ResponseWriter, r *http.Request) {
	u, e := h.organizedEvent(w, r)
	if e == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	d := &eventFormData{E: e}
	h.saveEvent(w, r, u, d, eventForm(r, e, d), h.store.UpdateEvent)
}

// ---- An introduction from a held meeting -----------------------------------

// introduceError says why a meeting opened no introduction, in the reader's
// language.
func (h *Handler) introduceError(lang string, err error) string {
	switch kakehashi.ErrorCode(err) {
	case kakehashi.EINVALID:
		return h.text.translate(lang, "events.intro.err.nolisting")
	case kakehashi.ECONFLICT:
		if strings.Contains(kakehashi.ErrorMessage(err), "already") {
			return h.text.translate(lang, "events.intro.err.already")
		}
		return h.text.translate(lang, "events.intro.err.notheld")
	}
	return kakehashi.ErrorMessage(err)
}

// eventIntroduce opens the introduction of a held meeting of the event:
// the two participants and the organizers (the store checks, and applies
// the export-control gate), and shows the introduction. A refusal (422 no listing, 409 not
// held or already opened) shows inline, on the agenda or, for organizers
// posting from the event page (back=event), on the event page.
func (h *Handler) eventIntroduce(w http.ResponseWriter, r *http.Request) {
	u, e := h.writable(w, r)
	if e == nil {
		return
	}
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.PostFormValue("meeting_id"), 10, 64)
	ms, err := h.store.Meetings(ctx, e.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(ms, func(m *kakehashi.Meeting) bool { return m.ID == id }) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "meeting %d not found at event %d", id, e.ID))
		return
	}
	in := &kakehashi.Introduction{Message: h.text.translate(langOf(r), "events.intro.message")}
	if err := h.store.IntroduceMeeting(ctx, id, in, u); err != nil {
		status := http.StatusUnprocessableEntity
		switch kakehashi.ErrorCode(err) {
		case kakehashi.EINVALID:
		case kakehashi.ECONFLICT:
			status = http.StatusConflict
		default:
			h.fail(w, r, err)
			return
		}
		msg := h.introduceError(langOf(r), err)
		if r.PostFormValue("back") == "event" {
			h.formFailed(w, r, e, "introduce", err, func(d *eventData) {
				clear(d.Errors)
				d.Errors["introduce.form"] = msg
			})
			return
		}
		e, items := h.myAgenda(w, r)
		if e == nil {
			return
		}
		h.render(w, r, status, "event_agenda", h.view(r, h.text.translate(langOf(r), "events.agenda"),
			&agendaData{Event: e, Items: items, Failed: id, Error: msg}))
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/introductions/%d", in.ID), http.StatusSeeOther)
}

// ---- Fair views ----------------------------------------------------------------

// eventVisit counts a visitor's view of a listing exhibited at an online
// fair, as the API's count-fair-view does (one per visitor, listing and UTC
// day; the visitor is a keyed hash of address, user agent and day), and
// sends the visitor on to the listing: only for a listing the visitor may
// see, as the fair's page lists no other.
func (h *Handler) eventVisit(w http.ResponseWriter, r *http.Request) {
	e, err := h.visibleEvent(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	lid, err := strconv.ParseInt(r.PathValue("listing"), 10, 64)
	if err != nil || lid <= 0 || !e.Online {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "no listing %q at fair %d", r.PathValue("listing"), e.ID))
		return
	}
	ps, err := h.store.Participants(ctx, e.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	notExhibited := kakehashi.Errorf(kakehashi.ENOTFOUND, "listing %d is not exhibited at fair %d", lid, e.ID)
	if !slices.ContainsFunc(ps, func(p *kakehashi.Participant) bool { return slices.Contains(p.ListingIDs, lid) }) {
		h.fail(w, r, notExhibited)
		return
	}
	// The fair shows a visitor only the listings they may see: a visit
	// to another is not counted, and answers as one not exhibited, so
	// that guessed ids tell nothing of what a fair shows others.
	l, err := h.store.Listing(ctx, lid)
	if err == nil && !kakehashi.CanSeeListing(kakehashi.UserFromContext(ctx), l) {
		err = notExhibited
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	secret, err := h.store.Secret(ctx, auth.FairViewsSecret)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	day := auth.VisitorDay(h.now())
	if _, err := h.store.RecordListingView(ctx, e.ID, lid, day, auth.VisitorHash(secret, auth.ClientIP(r), r.UserAgent(), day)); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/listings/%d", lid), http.StatusSeeOther)
}
