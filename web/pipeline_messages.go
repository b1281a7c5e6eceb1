package web

import (
	"cmp"
	"net/http"
	"strconv"

	"github.com/kakehashi/kakehashi"
)

func (h *Handler) postMessage(w http.ResponseWriter, r *http.Request) {
	u, in := h.visibleIntro(w, r)
	if in == nil {
		return
	}
	m := &kakehashi.Message{IntroductionID: in.ID, Body: r.PostFormValue("body")}
	err := h.store.PostMessage(r.Context(), m, u)
	switch kakehashi.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/introductions/"+strconv.FormatInt(in.ID, 10)+"?posted=1#messages", http.StatusSeeOther)
	case kakehashi.EINVALID:
		d := &introData{Action: "message", Form: map[string]string{"body": r.PostFormValue("body")},
			Errors: gatherErrors("message", h.pipelineErrors(langOf(r), err))}
		h.introPage(w, r, http.StatusUnprocessableEntity, u, in, d)
	default:
		h.fail(w, r, err)
	}
}

// ---- The inbox ---------------------------------------------------------------

// inboxData is the inbox page.
type inboxData struct {
	Items  []inboxItem
	Unread []int64
}

type inboxItem struct {
	N *kakehashi.Notification
	// Kind is the message key of the notification's kind.
	Kind string
	Href string
}

// inboxKinds are the kinds of notification the store sends.
var inboxKinds = map[string]string{"interest": "inbox.kind.interest", "stage": "inbox.kind.stage", "message": "inbox.kind.message",
	"assigned": "inbox.kind.assigned", "stalled": "inbox.kind.stalled", "alert": "inbox.kind.alert",
	"proposal": "inbox.kind.proposal", "proposal_stage": "inbox.kind.proposal_stage", "decision": "inbox.kind.decision", "reviewer": "inbox.kind.reviewer",
	"consortium": "inbox.kind.consortium"}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	list, err := h.store.Notifications(r.Context(), u.ID, false, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &inboxData{}
	for _, n := range list {
		it := inboxItem{N: n, Kind: cmp.Or(inboxKinds[n.Kind], "inbox.kind.other")}
		if n.Link != "" && safeNext(n.Link) == n.Link {
			it.Href = n.Link
		}
		if n.ReadAt == nil {
			d.Unread = append(d.Unread, n.ID)
		}
		d.Items = append(d.Items, it)
	}
	h.render(w, r, http.StatusOK, "inbox", h.view(r, h.text.translate(langOf(r), "inbox.title"), d))
}

// markRead marks the notifications the inbox showed unread as read (not
// those that arrived since).
func (h *Handler) markRead(w http.ResponseWriter, r *http.Request) {
	u := h.requireUser(w, r)
	if u == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, kakehashi.Errorf(kakehashi.EINVALID, "unreadable form"))
		return
	}
	var ids []int64
	for _, s := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		if err := h.store.MarkNotificationsRead(r.Context(), u.ID, ids); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}
