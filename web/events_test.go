package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// TestEventPagesFlow: two demo users register for an event with their
// availability, one asks the other for a meeting, which is accepted; the
// organizer (a coordinator) runs the scheduler; the meeting shows in the
// grid, in both agendas and in the .ics file, in English and Japanese.
func TestEventPagesFlow(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	o, err := db.OrganizationByExternalID(ctx, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	ev := &kakehashi.Event{OrgID: o.ID, Name: "Kansai brokerage 2027", Status: kakehashi.EventOpen, Venue: "Grand Front Osaka", TimeZone: "Asia/Tokyo",
		StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "11:00", MeetingMinutes: 30, Tables: 2}
	draft := *ev
	draft.Name, draft.Status = "Secret draft", kakehashi.EventDraft
	for _, e := range []*kakehashi.Event{ev, &draft} {
		if err := db.CreateEvent(ctx, e, kakehashi.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
	}
	client := func(email string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		if email != "" {
			resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"kakehashi-demo"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		return c
	}
	get := func(c *http.Client, path string, lang string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	post := func(c *http.Client, path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	evPath := fmt.Sprintf("/events/%d", ev.ID)

	anon := client("")
	if code, _, body := get(anon, "/events", ""); code != 200 || !strings.Contains(body, ev.Name) || strings.Contains(body, draft.Name) {
		t.Fatalf("events list: %d, lists the event %v, the draft %v", code, strings.Contains(body, ev.Name), strings.Contains(body, draft.Name))
	}
	if code, _, _ := get(anon, fmt.Sprintf("/events/%d", draft.ID), ""); code != 404 {
		t.Errorf("draft seen by a visitor: %d", code)
	}
	if code, _, body := get(anon, evPath, ""); code != 200 || strings.Contains(body, `action="`+evPath+`/register"`) {
		t.Errorf("anonymous event page: %d, with a registration form", code)
	}

	a, b, org := client("rd@hoshizora-motors.example"), client("tlo@kansai-tech.example"), client("coordinator@kakehashi.example")
	// Inline field errors.
	if code, body := post(a, evPath+"/register", url.Values{"listing_ids": {"abc"}}); code != 422 || !strings.Contains(body, `id="err-reg-listings"`) {
		t.Fatalf("bad registration: %d\n%.1500s", code, body)
	}
	if code, body := post(a, evPath+"/register", url.Values{"profile": {"EV maker"}, "slot": {"1", "2"}}); code != 200 || !strings.Contains(body, "You are registered.") {
		t.Fatalf("register a: %d\n%.1500s", code, body)
	}
	if code, _ := post(b, evPath+"/register", url.Values{"profile": {"University TLO"}, "slot": {"2", "3"}}); code != 200 {
		t.Fatalf("register b: %d", code)
	}
	ps, err := db.Participants(ctx, ev.ID)
	if err != nil || len(ps) != 2 {
		t.Fatalf("participants %v, %v", ps, err)
	}
	pb := ps[1]
	if code, body := post(a, evPath+"/requests", url.Values{"to_id": {fmt.Sprint(pb.ID)}, "reason": {""}}); code != 422 || !strings.Contains(body, `id="err-req-reason"`) {
		t.Fatalf("empty reason: %d\n%.1500s", code, body)
	}
	if code, _ := post(a, evPath+"/requests", url.Values{"to_id": {fmt.Sprint(pb.ID)}, "reason": {"Solid-state batteries"}}); code != 200 {
		t.Fatalf("request: %d", code)
	}
	rs, _ := db.MeetingRequests(ctx, ev.ID)
	_, _, body := get(b, evPath, "")
	if !strings.Contains(body, fmt.Sprintf(`data-request="%d"`, rs[0].ID)) || !strings.Contains(body, `name="accept" value="1"`) {
		t.Fatalf("b does not see the request to accept:\n%.3000s", body)
	}
	if code, _ := post(a, evPath+"/decide", url.Values{"request_id": {fmt.Sprint(rs[0].ID)}, "accept": {"1"}}); code != 403 {
		t.Errorf("the sender decided: %d", code)
	}
	if code, _ := post(b, evPath+"/decide", url.Values{"request_id": {fmt.Sprint(rs[0].ID)}, "accept": {"1"}}); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	if code, _ := post(a, evPath+"/schedule", nil); code != 403 {
		t.Errorf("a participant ran the scheduler: %d", code)
	}
	if code, body := post(org, evPath+"/schedule", nil); code != 200 || !strings.Contains(body, "The schedule was updated.") {
		t.Fatalf("schedule: %d\n%.1500s", code, body)
	}
	ms, _ := db.Meetings(ctx, ev.ID)
	if len(ms) != 1 || ms[0].Slot != 2 {
		t.Fatalf("meetings %+v: want one, in slot 2 (the only one both are free)", ms)
	}
	if _, _, body := get(org, evPath, ""); !strings.Contains(body, fmt.Sprintf(`data-meeting="%d"`, ms[0].ID)) {
		t.Errorf("the grid does not show the meeting")
	}
	// Move and pin.
	if code, _ := post(org, evPath+"/move", url.Values{"meeting_id": {fmt.Sprint(ms[0].ID)}, "slot": {"2"}, "table": {"2"}, "pinned": {"1"}}); code != 200 {
		t.Fatalf("move: %d", code)
	}
	if ms, _ = db.Meetings(ctx, ev.ID); ms[0].Table != 1 || !ms[0].Pinned {
		t.Fatalf("moved meeting %+v", ms[0])
	}
	for _, c := range []*http.Client{a, b} {
		code, _, body := get(c, evPath+"/agenda", "")
		if code != 200 || !strings.Contains(body, "2027-02-03 10:00–10:30") || !strings.Contains(body, "Table 2") {
			t.Errorf("agenda: %d\n%.2000s", code, body)
		}
	}
	if _, _, body := get(a, evPath+"/agenda", "ja"); !strings.Contains(body, "マイスケジュール") || !strings.Contains(body, "テーブル 2") {
		t.Errorf("Japanese agenda:\n%.2000s", body)
	}
	code, h, ics := get(a, evPath+"/agenda.ics", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/calendar") || !strings.Contains(ics, "\r\nDTSTART:20270203T010000Z\r\n") ||
		!strings.Contains(ics, fmt.Sprintf("UID:meeting-%d@kakehashi", ms[0].ID)) {
		t.Errorf("ics: %d %q\n%s", code, h.Get("Content-Type"), ics)
	}
	if _, _, body := get(anon, evPath+"/agenda", ""); !strings.Contains(body, "action=\"/login\"") {
		t.Errorf("anonymous agenda does not lead to sign-in")
	}
	// Held, from the agenda.
	if code, _ := post(a, evPath+"/mark", url.Values{"meeting_id": {fmt.Sprint(ms[0].ID)}, "status": {"held"}}); code != 200 {
		t.Fatalf("mark: %d", code)
	}
	if ms, _ = db.Meetings(ctx, ev.ID); ms[0].Status != kakehashi.MeetingHeld {
		t.Errorf("meeting %+v not held", ms[0])
	}
}

// orgListing is an open public listing of orgID.
func orgListing(t *testing.T, db *sqlstore.DB, orgID int64) int64 {
	t.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT id FROM listings WHERE org_id = $1 AND visibility = 'public' AND status = 'open'
		ORDER BY id LIMIT 1`, orgID).Scan(&id); err != nil {
		t.Fatalf("an open public listing of organization %d: %v", orgID, err)
	}
	return id
}

// TestEventForm: a member of an organization creates an event from the
// list's "New event" link (inline errors first), edits it from the event
// page's link; others may not.
func TestEventForm(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	owner := browserless(t, base, "rd@hoshizora-motors.example")
	other := browserless(t, base, "tlo@kansai-tech.example")
	anon := browserless(t, base, "")
	u, err := db.UserByEmail(ctx, "rd@hoshizora-motors.example")
	if err != nil {
		t.Fatal(err)
	}

	get(t, owner, base+"/events").want(t, http.StatusOK, `href="/events/new"`)
	if r := get(t, anon, base+"/events"); strings.Contains(r.body, `href="/events/new"`) {
		t.Errorf("a visitor is offered to create an event")
	}
	if r := get(t, anon, base+"/events/new"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Errorf("anonymous new event: %d %q", r.status, r.location)
	}
	get(t, owner, base+"/events/new").want(t, http.StatusOK, `name="breaks"`, `name="time_zone"`, `name="online"`, `name="status"`)
	get(t, owner, base+"/events/new", "ja").want(t, http.StatusOK, "イベントを作成する", "テーブル数")

	form := url.Values{"name": {"Tokyo deep-tech fair"}, "description": {"Batteries and sensors."}, "status": {"draft"}, "online": {"1"},
		"venue": {""}, "time_zone": {"Mars/Base"}, "start_date": {"2027-05-11"}, "end_date": {"2027-05-10"}, "day_start": {"10:00"},
		"day_end": {"16:00"}, "breaks": {"13:00-12:00"}, "meeting_minutes": {"abc"}, "tables": {"4"}}
	post(t, owner, base+"/events/new", form).want(t, http.StatusUnprocessableEntity, `id="err-time_zone"`, `id="err-breaks"`,
		`id="err-meeting_minutes"`, "Tokyo deep-tech fair")
	form.Set("time_zone", "Asia/Tokyo")
	form.Set("meeting_minutes", "20")
	form.Set("breaks", "12:00-13:00")
	post(t, owner, base+"/events/new", form).want(t, http.StatusUnprocessableEntity, `id="err-end_date"`)
	form.Set("end_date", "2027-05-12")
	r := post(t, owner, base+"/events/new", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create event: %d\n%.2000s", r.status, r.body)
	}
	id := locationID(t, r)
	e, err := db.Event(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.OrgID != u.OrgID || !e.Online || e.Status != kakehashi.EventDraft || e.MeetingMinutes != 20 || e.Tables != 4 ||
		len(e.Breaks) != 1 || e.Breaks[0] != (kakehashi.Break{Start: "12:00", End: "13:00"}) || e.EndDate != "2027-05-12" {
		t.Fatalf("stored event %+v", e)
	}
	evURL := fmt.Sprintf("%s/events/%d", base, id)
	get(t, owner, evURL+"?done=saved").want(t, http.StatusOK, "The event was saved.", fmt.Sprintf(`href="/events/%d/edit"`, id))
	get(t, other, evURL+"/edit").want(t, http.StatusNotFound) // a draft is its organizers'
	get(t, owner, evURL+"/edit").want(t, http.StatusOK, "Tokyo deep-tech fair", "12:00-13:00", `value="2027-05-12"`)

	form.Set("tables", "0")
	form.Set("status", "open")
	post(t, owner, evURL+"/edit", form).want(t, http.StatusUnprocessableEntity, `id="err-tables"`)
	form.Set("tables", "6")
	form.Set("online", "")
	form.Set("venue", "Tokyo Big Sight")
	form.Set("breaks", "")
	post(t, owner, evURL+"/edit", form).want(t, http.StatusSeeOther)
	if e, _ = db.Event(ctx, id); e.Status != kakehashi.EventOpen || e.Online || e.Venue != "Tokyo Big Sight" || e.Tables != 6 || len(e.Breaks) != 0 {
		t.Fatalf("edited event %+v", e)
	}
	// Open now: others see it but may not change it.
	get(t, other, evURL).want(t, http.StatusOK, "Tokyo Big Sight")
	if r := get(t, other, evURL); strings.Contains(r.body, "/edit") {
		t.Errorf("a non-organizer is offered to edit")
	}
	get(t, other, evURL+"/edit").want(t, http.StatusForbidden)
	post(t, other, evURL+"/edit", form).want(t, http.StatusForbidden)
	// Staff organize for any organization.
	coord := browserless(t, base, "coordinator@kakehashi.example")
	get(t, coord, base+"/events/new").want(t, http.StatusOK, `name="org_id"`)
	get(t, coord, evURL+"/edit").want(t, http.StatusOK)
}

// TestEventMeetingIntroduction: after a held meeting, a participant opens
// its introduction from the agenda; refusals show inline.
func TestEventMeetingIntroduction(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	o, err := db.OrganizationByExternalID(ctx, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	ev := &kakehashi.Event{OrgID: o.ID, Name: "Osaka brokerage", Status: kakehashi.EventOpen, Venue: "Osaka", TimeZone: "Asia/Tokyo",
		StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "10:00", MeetingMinutes: 30, Tables: 2}
	if err := db.CreateEvent(ctx, ev, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	ua, _ := db.UserByEmail(ctx, "rd@hoshizora-motors.example")
	ub, _ := db.UserByEmail(ctx, "tlo@kansai-tech.example")
	pa, pb := &kakehashi.Participant{EventID: ev.ID}, &kakehashi.Participant{EventID: ev.ID}
	if err := db.Register(ctx, pa, ua); err != nil {
		t.Fatal(err)
	}
	if err := db.Register(ctx, pb, ub); err != nil {
		t.Fatal(err)
	}
	req := &kakehashi.MeetingRequest{FromID: pa.ID, ToID: pb.ID, Reason: "Batteries"}
	if err := db.CreateMeetingRequest(ctx, req, ua); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideMeetingRequest(ctx, req.ID, true, ub); err != nil {
		t.Fatal(err)
	}
	a, org, outsider := browserless(t, base, "rd@hoshizora-motors.example"), browserless(t, base, "coordinator@kakehashi.example"),
		browserless(t, base, "engineer@minato-seiki.example")
	evURL := fmt.Sprintf("%s/events/%d", base, ev.ID)
	post(t, org, evURL+"/schedule", nil).want(t, http.StatusSeeOther)
	ms, _ := db.Meetings(ctx, ev.ID)
	if len(ms) != 1 {
		t.Fatalf("meetings %+v", ms)
	}
	mid := fmt.Sprint(ms[0].ID)
	action := fmt.Sprintf(`action="/events/%d/introduce"`, ev.ID)
	if r := get(t, a, evURL+"/agenda"); strings.Contains(r.body, action) {
		t.Errorf("a scheduled meeting offers an introduction")
	}
	post(t, a, evURL+"/introduce", url.Values{"meeting_id": {mid}}).want(t, http.StatusConflict, `id="err-introduce-`+mid+`"`, "Only a held meeting")
	post(t, a, evURL+"/mark", url.Values{"meeting_id": {mid}, "status": {"held"}}).want(t, http.StatusSeeOther)
	get(t, a, evURL+"/agenda").want(t, http.StatusOK, action)
	post(t, a, evURL+"/introduce", url.Values{"meeting_id": {mid}}).want(t, http.StatusUnprocessableEntity, "linked no listing")
	pb.ListingIDs = []int64{orgListing(t, db, ub.OrgID)}
	if err := db.UpdateParticipant(ctx, pb, ub); err != nil {
		t.Fatal(err)
	}
	post(t, outsider, evURL+"/introduce", url.Values{"meeting_id": {mid}}).want(t, http.StatusForbidden)
	post(t, a, evURL+"/introduce", url.Values{"meeting_id": {"999999"}}).want(t, http.StatusNotFound)
	r := post(t, a, evURL+"/introduce", url.Values{"meeting_id": {mid}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/introductions/") {
		t.Fatalf("introduce: %d %q\n%.1500s", r.status, r.location, r.body)
	}
	intro := locationID(t, r)
	if ms, _ = db.Meetings(ctx, ev.ID); ms[0].IntroductionID != intro {
		t.Fatalf("meeting %+v, want introduction %d", ms[0], intro)
	}
	in, err := db.Introduction(ctx, intro)
	if err != nil || in.RequesterID != ua.ID || in.ListingID != pb.ListingIDs[0] {
		t.Fatalf("introduction %+v, %v", in, err)
	}
	get(t, a, fmt.Sprintf("%s/introductions/%d", base, intro)).want(t, http.StatusOK)
	body := get(t, a, evURL+"/agenda").want(t, http.StatusOK, fmt.Sprintf(`href="/introductions/%d"`, intro)).body
	if strings.Contains(body, action) {
		t.Errorf("the agenda still offers an introduction")
	}
	get(t, org, evURL).want(t, http.StatusOK, fmt.Sprintf(`href="/introductions/%d"`, intro))
	post(t, org, evURL+"/introduce", url.Values{"meeting_id": {mid}, "back": {"event"}}).want(t, http.StatusConflict, `id="err-introduce"`, "already opened")
	post(t, a, evURL+"/introduce", url.Values{"meeting_id": {mid}}).want(t, http.StatusConflict, "already opened")
}

// TestFairVisit: the fair page's listing links count a view, once per
// visitor and day, as the API counts it, and lead to the listing.
func TestFairVisit(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	o, err := db.OrganizationByExternalID(ctx, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	fair := &kakehashi.Event{OrgID: o.ID, Name: "Online deep-tech fair", Status: kakehashi.EventOpen, Online: true, TimeZone: "Asia/Tokyo",
		StartDate: "2027-03-01", EndDate: "2027-03-02", DayStart: "09:00", DayEnd: "17:00", MeetingMinutes: 30, Tables: 5}
	hall := *fair
	hall.Name, hall.Online, hall.Venue = "A hall", false, "Kyoto"
	for _, e := range []*kakehashi.Event{fair, &hall} {
		if err := db.CreateEvent(ctx, e, kakehashi.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
	}
	ub, _ := db.UserByEmail(ctx, "tlo@kansai-tech.example")
	lid := orgListing(t, db, ub.OrgID)
	if err := db.Register(ctx, &kakehashi.Participant{EventID: fair.ID, ListingIDs: []int64{lid}}, ub); err != nil {
		t.Fatal(err)
	}
	anon := browserless(t, base, "")
	visit := fmt.Sprintf("/events/%d/visit/%d", fair.ID, lid)
	get(t, anon, fmt.Sprintf("%s/events/%d", base, fair.ID)).want(t, http.StatusOK, `href="`+visit+`"`)
	views := func() int {
		t.Helper()
		st, err := db.ListingViews(ctx, fair.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range st {
			n += s.Views
		}
		return n
	}
	for range 2 {
		if r := get(t, anon, base+visit); r.status != http.StatusSeeOther || r.location != fmt.Sprintf("/listings/%d", lid) {
			t.Fatalf("visit: %d %q", r.status, r.location)
		}
	}
	if n := views(); n != 1 {
		t.Fatalf("%d views after two visits of one visitor, want 1", n)
	}
	// The API counts the same visitor the same way: not again.
	resp, err := anon.Post(fmt.Sprintf("%s/api/v1/events/%d/views", base, fair.ID), "application/json", strings.NewReader(fmt.Sprintf(`{"listing_id": %d}`, lid)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"counted":false`) {
		t.Fatalf("API view after the page's: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("GET", base+visit, nil)
	req.Header.Set("User-Agent", "another browser")
	if resp, err := anon.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another visitor: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := views(); n != 2 {
		t.Fatalf("%d views after a second visitor, want 2", n)
	}
	get(t, anon, fmt.Sprintf("%s/events/%d", base, fair.ID)).want(t, http.StatusOK, "2 views")
	get(t, anon, fmt.Sprintf("%s/events/%d/visit/%d", base, fair.ID, lid+100000)).want(t, http.StatusNotFound)
	get(t, anon, fmt.Sprintf("%s/events/%d/visit/%d", base, hall.ID, lid)).want(t, http.StatusNotFound)
}
