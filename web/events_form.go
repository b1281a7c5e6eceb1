package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

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
