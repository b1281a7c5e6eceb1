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
