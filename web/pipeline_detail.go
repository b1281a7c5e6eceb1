package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// ---- One introduction -------------------------------------------------------

// introData is the introduction page.
type introData struct {
	In      *kakehashi.Introduction // as the viewer may see it
	Listing *kakehashi.Listing      // nil when the viewer may not see it any more
	Related *kakehashi.Listing
	introRow
	RequesterPerson party
	Coordinator     *kakehashi.User
	Events          []eventView
	Messages        []messageView
	// CanAct: the viewer may move the introduction on from where it is.
	CanAct       bool
	Next         kakehashi.Stage
	Coordinators []*kakehashi.User
	StallDays    int
	// Notice is a message key for what the last action did.
	Notice string
	// Action names the form whose Errors these are; Form holds what it sent.
	Action   string
	Errors   map[string]string
	Form     map[string]string
	Conflict bool
	// Agreement form defaults.
	Parties, Today string
}

type eventView struct {
	E     *kakehashi.StageEvent
	Actor party
}

type messageView struct {
	M      *kakehashi.Message
	Author party
}

// Err returns the error of field in the form named action, if that form
// was the one sent.
func (d *introData) Err(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Errors[field]
}

// Value returns what the form named action sent for field.
func (d *introData) Value(action, field string) string {
	if d.Action != action {
		return ""
	}
	return d.Form[field]
}

// visibleIntro loads the introduction of the path for a signed-in party or
// staff member; others get 404, as from the API.
func (h *Handler) visibleIntro(w http.ResponseWriter, r *http.Request) (*kakehashi.User, *kakehashi.Introduction) {
	u := h.requireUser(w, r)
	if u == nil {
		return nil, nil
	}
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	in, err := h.store.Introduction(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil
	}
	if !kakehashi.CanSeeIntroduction(u, in) {
		h.fail(w, r, kakehashi.Errorf(kakehashi.ENOTFOUND, "introduction %d not found", id))
		return nil, nil
	}
	return u, in
}

func (h *Handler) introduction(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	// Reading the introduction reads its notifications.
	ctx := r.Context()
	if unread, err := h.store.Notifications(ctx, u.ID, true, 200); err == nil {
		var ids []int64
		link := "/introductions/" + strconv.FormatInt(in.ID, 10)
		for _, n := range unread {
			if n.Link == link {
				ids = append(ids, n.ID)
			}
		}
		if len(ids) > 0 {
			if err := h.store.MarkNotificationsRead(ctx, u.ID, ids); err != nil {
				h.log.Warn("mark notifications read", "user", u.ID, "err", err)
			}
		}
	}
	q := r.URL.Query()
	d := &introData{}
	switch {
	case q.Get("sent") == "1":
		d.Notice = "interest.sent"
	case q.Get("done") == "1":
		d.Notice = "intro.saved"
	case q.Get("posted") == "1":
		d.Notice = "intro.posted"
	}
	h.introPage(w, r, http.StatusOK, u, in, d)
}

// introPage renders the introduction page with what d already holds (a
// notice, or a failed form).
func (h *Handler) introPage(w http.ResponseWriter, r *http.Request, status int, u *kakehashi.User, stored *kakehashi.Introduction, d *introData) {
	ctx := r.Context()
	x := h.lister(ctx, u)
	row, err := x.row(stored)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.introRow, d.In, d.Listing = row, row.In, row.Listing
	d.RequesterPerson = x.person(stored.RequesterID, stored, row.In)
	if stored.RelatedListingID != 0 {
		if l, err := h.store.Listing(ctx, stored.RelatedListingID); err == nil {
			d.Related = kakehashi.Redact(u, l)
		}
	}
	if c := x.user(stored.CoordinatorID); !kakehashi.HidesPerson(stored, row.In, c) {
		d.Coordinator = c
	}
	events, err := h.store.StageEvents(ctx, stored.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reached := map[kakehashi.Stage]bool{kakehashi.StageInterest: true}
	for _, e := range events {
		reached[e.To] = true
		d.Events = append(d.Events, eventView{E: e, Actor: x.person(e.ActorID, stored, row.In)})
	}
	d.Steps = stageSteps(row.In, reached)
	msgs, err := h.store.Messages(ctx, stored.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range msgs {
		d.Messages = append(d.Messages, messageView{M: m, Author: x.person(m.AuthorID, stored, row.In)})
	}
	d.CanAct = stored.Open() && kakehashi.CanTransition(u, stored, kakehashi.Transition{})
	d.Next = nextStage(stored.Stage)
	d.StallDays = int(h.stallAfter / (24 * time.Hour))
	if u.IsStaff() {
		users, err := h.store.Users(ctx, kakehashi.UserFilter{Limit: 1000})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, c := range users {
			if c.IsStaff() && !c.Disabled {
				d.Coordinators = append(d.Coordinators, c)
			}
		}
	}
	var parties []string
	for _, o := range []*kakehashi.Organization{row.Requester.Org, row.Owner.Org} {
		if o != nil {
			parties = append(parties, o.Name)
		}
	}
	d.Parties = strings.Join(parties, ", ")
	d.Today = h.now().UTC().Format(time.DateOnly)
	title := h.text.translate(langOf(r), "intro.title")
	if d.Listing != nil {
		title += ": " + d.Listing.Title
	}
	h.render(w, r, status, "introduction", h.view(r, title, d))
}
