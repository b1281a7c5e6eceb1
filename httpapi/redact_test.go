package httpapi_test

// Confidential owners stay hidden from the requester's side of an
// introduction until they accept, in everything the API and the outbox
// send that side: the introduction, its history, its thread, the inbox,
// the e-mails and the webhook payloads.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/httpapi"
)

func TestConfidentialOwnerHiddenFromRequesterSide(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testConfidentialOwnerHidden(t, newEnv(t, b.dsn, httpapi.Config{}))
		})
	}
}

func testConfidentialOwnerHidden(t *testing.T, e *testEnv) {
	ctx := context.Background()
	requester := session(e.signIn(e.third.Email, "password of third"))
	owner := e.actors[ownerMember]
	// A coordinator who belongs to the owner organization would name it too.
	ownCoord := e.user("own-coordinator", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformCoordinator, "")
	hook := &kakehashi.Webhook{OrgID: e.third.OrgID, URL: "https://hooks.example.com/third", Events: kakehashi.WebhookEvents()}
	if err := e.db.CreateWebhook(ctx, hook, system); err != nil {
		t.Fatal(err)
	}

	in := e.intro(kakehashi.VisibilityConfidential)
	if err := e.db.AssignCoordinator(ctx, in.ID, ownCoord.ID, system); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/introductions/%d", in.ID)
	e.do("POST", path+"/messages", map[string]any{"body": "Thank you for your interest."}, e.as(ownerMember)).want(t, 201)
	e.do("POST", path+"/messages", map[string]any{"body": "When can we talk?"}, requester).want(t, 201)
	e.do("POST", path+"/transitions", map[string]any{"to": "closed", "outcome": "declined", "reason": "not_a_fit"}, e.as(ownerMember)).want(t, 200)

	// What the requester reads through the API.
	leaks := func(what string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		s := string(b)
		for _, id := range []int64{owner.user.ID, ownCoord.ID} {
			for _, key := range []string{"actor_id", "author_id", "coordinator_id"} {
				if strings.Contains(s, fmt.Sprintf(`"%s":%d`, key, id)) {
					t.Errorf("%s names user %d of the hidden owner as %s: %s", what, id, key, s)
				}
			}
		}
		if strings.Contains(s, fmt.Sprintf(`"owner_org_id":%d`, e.own.ID)) {
			t.Errorf("%s names the hidden owner organization: %s", what, s)
		}
	}
	got := e.do("GET", path, nil, requester).want(t, 200).obj(t)
	if got["owner_hidden"] != true {
		t.Fatalf("declined confidential introduction as the requester sees it: %v", got)
	}
	leaks("the introduction", got)
	var list struct{ Items []map[string]any }
	e.do("GET", "/introductions", nil, requester).want(t, 200).decode(t, &list)
	leaks("the list of introductions", list.Items)

	var events []map[string]any
	e.do("GET", path+"/events", nil, requester).want(t, 200).decode(t, &events)
	leaks("the history", events)
	if len(events) != 2 || events[0]["actor_id"] != float64(e.third.ID) || events[1]["actor_hidden"] != true {
		t.Errorf("history as the requester sees it: %v; want their own interest named and the decline's actor hidden", events)
	}
	var msgs []map[string]any
	e.do("GET", path+"/messages", nil, requester).want(t, 200).decode(t, &msgs)
	leaks("the thread", msgs)
	if len(msgs) != 2 || msgs[0]["author_hidden"] != true || msgs[1]["author_id"] != float64(e.third.ID) {
		t.Errorf("thread as the requester sees it: %v; want the owner's message anonymous and their own named", msgs)
	}

	// The owner's side and staff see everyone. (Each decode starts afresh:
	// decoding into a map left from before keeps its keys.)
	events, msgs = nil, nil
	e.do("GET", path+"/events", nil, e.as(ownerMember)).want(t, 200).decode(t, &events)
	if len(events) != 2 || events[1]["actor_id"] != float64(owner.user.ID) || events[1]["actor_hidden"] != nil {
		t.Errorf("history as the owner sees it: %v", events)
	}
	msgs = nil
	e.do("GET", path+"/messages", nil, e.as(coordinator)).want(t, 200).decode(t, &msgs)
	if len(msgs) != 2 || msgs[0]["author_id"] != float64(owner.user.ID) {
		t.Errorf("thread as a coordinator sees it: %v", msgs)
	}
	if got := e.do("GET", path, nil, e.as(ownerMember)).want(t, 200).obj(t); id(got, "coordinator_id") != ownCoord.ID {
		t.Errorf("the owner does not see its coordinator: %v", got)
	}

	// The requester's inbox and e-mails name neither the owner nor its people.
	var inbox []kakehashi.Notification
	e.do("GET", "/me/notifications", nil, requester).want(t, 200).decode(t, &inbox)
	if len(inbox) == 0 {
		t.Fatal("the requester heard nothing")
	}
	mails := e.outbox(`SELECT subject || ' ' || body || ' ' || link FROM outbox WHERE channel = 'email' AND recipient = $1`, e.third.Email)
	if len(mails) == 0 {
		t.Fatal("no e-mail to the requester")
	}
	for _, n := range inbox {
		mails = append(mails, n.Subject+" "+n.Link)
	}
	for _, m := range mails {
		for _, name := range []string{e.own.Name, e.own.LocalName, owner.user.Name, ownCoord.Name} {
			if strings.Contains(m, name) {
				t.Errorf("notification to the requester names %q: %s", name, m)
			}
		}
	}

	// The webhook payloads sent to the requester's organization.
	payloads := e.outbox(`SELECT payload FROM outbox WHERE channel = 'webhook' AND webhook_id = $1`, hook.ID)
	if len(payloads) != 4 { // created, two messages, declined
		t.Fatalf("%d webhook payloads for the requester's organization, want 4: %v", len(payloads), payloads)
	}
	hidden := 0
	for _, p := range payloads {
		var m map[string]any
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			t.Fatal(err)
		}
		leaks("a webhook payload", m)
		if msg, ok := m["message"].(map[string]any); ok && msg["author_hidden"] == true {
			hidden++
		}
		if tr, ok := m["transition"].(map[string]any); ok && tr["actor_hidden"] == true {
			hidden++
		}
	}
	if hidden != 2 {
		t.Errorf("%d webhook payloads mark the owner's person hidden, want 2 (its message and its decline): %v", hidden, payloads)
	}

	// Once an owner accepts, its side is named to the requester.
	in2 := e.intro(kakehashi.VisibilityConfidential)
	path2 := fmt.Sprintf("/introductions/%d", in2.ID)
	e.do("POST", path2+"/transitions", map[string]any{"to": "introduced"}, e.as(ownerMember)).want(t, 200)
	e.do("POST", path2+"/messages", map[string]any{"body": "Welcome."}, e.as(ownerMember)).want(t, 201)
	events, msgs = nil, nil
	e.do("GET", path2+"/events", nil, requester).want(t, 200).decode(t, &events)
	if len(events) != 2 || events[1]["actor_id"] != float64(owner.user.ID) {
		t.Errorf("history after acceptance: %v; want the owner's person named", events)
	}
	e.do("GET", path2+"/messages", nil, requester).want(t, 200).decode(t, &msgs)
	if len(msgs) != 1 || msgs[0]["author_id"] != float64(owner.user.ID) {
		t.Errorf("thread after acceptance: %v; want the owner's person named", msgs)
	}
}

// outbox returns the single text column of each row query selects.
func (e *testEnv) outbox(query string, args ...any) []string {
	e.t.Helper()
	rows, err := e.db.SQL().QueryContext(context.Background(), query, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestEventParticipantsShowOnlyListingsTheViewerMaySee: a registration names
// its organization, so the listings it links are shown only when the viewer
// may see them with their owner: never a draft, nor a confidential listing
// of an owner hidden from the viewer — in the participant list and in the
// meeting suggestions, whose scores count only those listings.
func TestEventParticipantsShowOnlyListingsTheViewerMaySee(t *testing.T) {
	e := newSQLiteEnv(t)
	ev := e.do("POST", "/events", eventJSON, e.as(ownerMember)).want(t, s201).obj(t)
	evID := id(ev, "id")
	pub := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	conf := e.listing(e.own.ID, kakehashi.VisibilityConfidential, kakehashi.StatusOpen)
	draft := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusDraft)
	mine := e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Side, l.Kind = kakehashi.SideNeed, kakehashi.KindChallenge })
	e.index()
	owner := session(e.signIn(e.target.Email, "password of target"))
	p := id(e.do("POST", fmt.Sprintf("/events/%d/participants", evID), map[string]any{"profile": "Batteries",
		"listing_ids": []int64{pub.ID, conf.ID, draft.ID}}, owner).want(t, s201).obj(t), "id")
	e.do("POST", fmt.Sprintf("/events/%d/participants", evID), map[string]any{"profile": "Cells", "listing_ids": []int64{mine.ID}},
		e.as(otherMember)).want(t, s201)

	listed := func(cr cred) []int64 {
		t.Helper()
		var ps []app.ParticipantView
		e.do("GET", fmt.Sprintf("/events/%d/participants", evID), nil, cr).want(t, s200).decode(t, &ps)
		for _, v := range ps {
			if v.ID == p {
				return v.ListingIDs
			}
		}
		t.Fatalf("participant %d not listed: %+v", p, ps)
		return nil
	}
	if got := listed(e.as(otherMember)); fmt.Sprint(got) != fmt.Sprint([]int64{pub.ID}) {
		t.Errorf("an outsider sees the participant's listings %v, want only the public one %d", got, pub.ID)
	}
	for _, cr := range []cred{owner, e.as(coordinator)} {
		if got := listed(cr); fmt.Sprint(got) != fmt.Sprint([]int64{pub.ID, conf.ID, draft.ID}) {
			t.Errorf("the participant's own side or staff sees %v, want all three", got)
		}
	}

	var sg []httpapi.Suggestion
	e.do("GET", fmt.Sprintf("/events/%d/suggestions", evID), nil, e.as(otherMember)).want(t, s200).decode(t, &sg)
	if len(sg) != 1 || sg[0].Participant.ID != p {
		t.Fatalf("suggestions %+v, want the one other participant", sg)
	}
	if fmt.Sprint(sg[0].Listings) != fmt.Sprint([]int64{pub.ID}) || fmt.Sprint(sg[0].Participant.ListingIDs) != fmt.Sprint([]int64{pub.ID}) {
		t.Errorf("the outsider's suggestion shows listings %v (participant %v), want only %d", sg[0].Listings, sg[0].Participant.ListingIDs, pub.ID)
	}
}

// TestExternalIDsArePerOrganization: an external id names a listing within
// its organization. Another organization's confidential or draft listing
// with the same external id is no conflict (a 409 there told that it
// exists); a clash inside one's own organization is a 409 that names the
// field in words and never echoes the database's text.
func TestExternalIDsArePerOrganization(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.dsn, httpapi.Config{})
			driverText := func(r *response) {
				t.Helper()
				for _, s := range []string{"UNIQUE", "constraint", "listings.", "duplicate key", "_key", "SQLSTATE", "external_id_"} {
					if strings.Contains(string(r.body), s) {
						t.Errorf("the problem echoes the database's text %q: %s", s, r.body)
					}
				}
			}
			conf := e.listing(e.own.ID, kakehashi.VisibilityConfidential, kakehashi.StatusOpen)
			draft := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusDraft)
			for _, l := range []*kakehashi.Listing{conf, draft} {
				body := validListing("Same external id as a hidden listing")
				body["external_id"] = l.ExternalID
				r := e.do("POST", "/listings", body, e.as(otherMember))
				r.want(t, s201)
				if got := r.obj(t); got["external_id"] != l.ExternalID || id(got, "org_id") != e.other.ID {
					t.Errorf("created %v, want the other organization's listing with external id %q", got, l.ExternalID)
				}
			}

			body := validListing("Same external id inside the organization")
			body["external_id"] = conf.ExternalID
			r := e.do("POST", "/listings", body, e.as(ownerMember))
			p := r.wantProblem(t, 409, "body.external_id")
			driverText(r)
			for _, d := range p.Errors {
				if d.Location == "body.external_id" && !strings.Contains(d.Message, "already") {
					t.Errorf("the conflict does not say what is wrong with external_id: %q", d.Message)
				}
			}

			// A change to another listing's external id is refused the same
			// way, and changes nothing.
			other := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
			r = e.do("PATCH", fmt.Sprintf("/listings/%d", other.ID), map[string]any{"external_id": draft.ExternalID, "title": "Renamed"}, e.as(ownerMember))
			r.wantProblem(t, 409, "body.external_id")
			driverText(r)
			if got := e.do("GET", fmt.Sprintf("/listings/%d", other.ID), nil, e.as(ownerMember)).want(t, s200).obj(t); got["title"] != other.Title ||
				got["external_id"] != other.ExternalID {
				t.Errorf("a refused change was stored: %v", got)
			}

			// A duplicate of another kind of record says its own field.
			r = e.do("POST", "/users", map[string]any{"email": e.target.Email, "name": "Twin", "password": "long enough pw", "org_id": e.own.ID}, e.as(admin))
			r.wantProblem(t, 409, "body.email")
			driverText(r)
		})
	}
}
