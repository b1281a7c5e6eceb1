package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
)

// fairListing is an exhibited listing with its view count.
type fairListing struct {
	Listing *kakehashi.Listing
	Views   int
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
