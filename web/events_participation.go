package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
)

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
