package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/ical"
	"github.com/kakehashi/kakehashi/schedule"
)

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
