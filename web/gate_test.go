package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// TestGateOnEveryPagePath opens an introduction from a flagged organization
// on a controlled listing by every page that opens one — expressing
// interest, a held meeting's introduction, a proposal's adoption — and
// checks that each is held and that the listing's organization cannot
// accept it.
func TestGateOnEveryPagePath(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	sys := kakehashi.SystemActor("test")
	flagged, err := db.OrganizationByExternalID(ctx, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := screening.ParseCSV(strings.NewReader("id,name,aliases,country,source,programs\nX-1," + flagged.Name + ",,US,Test List,demo\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compliance.New(db, compliance.Config{}).Load(ctx, "test", "csv", "test.csv", entries, sys); err != nil {
		t.Fatal(err)
	}
	founder, err := db.UserByEmail(ctx, "founder@boston-bioventures.example")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := db.UserByEmail(ctx, "tlo@kansai-tech.example")
	if err != nil {
		t.Fatal(err)
	}
	requester, ownerPages := browserless(t, base, founder.Email), browserless(t, base, owner.Email)
	listings := 0
	controlled := func() int64 {
		listings++
		l := storetest.Listing(owner.OrgID, fmt.Sprint("gate-", listings))
		l.Controlled = true
		if err := db.CreateListing(ctx, l, sys); err != nil {
			t.Fatal(err)
		}
		return l.ID
	}

	paths := []struct {
		name string
		open func(t *testing.T) int64
	}{
		{"POST /listings/{id}/interest", func(t *testing.T) int64 {
			r := post(t, requester, fmt.Sprintf("%s/listings/%d/interest", base, controlled()), url.Values{"message": {"Interested."}})
			r.want(t, http.StatusSeeOther)
			return locationID(t, r)
		}},
		{"POST /events/{id}/introduce", func(t *testing.T) int64 {
			ev := &kakehashi.Event{OrgID: owner.OrgID, Name: "Osaka brokerage", Status: kakehashi.EventOpen, Venue: "Osaka", TimeZone: "Asia/Tokyo",
				StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "10:00", MeetingMinutes: 30, Tables: 2}
			if err := db.CreateEvent(ctx, ev, sys); err != nil {
				t.Fatal(err)
			}
			from, to := &kakehashi.Participant{EventID: ev.ID}, &kakehashi.Participant{EventID: ev.ID, ListingIDs: []int64{controlled()}}
			if err := db.Register(ctx, from, founder); err != nil {
				t.Fatal(err)
			}
			if err := db.Register(ctx, to, owner); err != nil {
				t.Fatal(err)
			}
			req := &kakehashi.MeetingRequest{FromID: from.ID, ToID: to.ID, Reason: "Licensing"}
			if err := db.CreateMeetingRequest(ctx, req, founder); err != nil {
				t.Fatal(err)
			}
			if _, err := db.DecideMeetingRequest(ctx, req.ID, true, owner); err != nil {
				t.Fatal(err)
			}
			if err := db.SaveSchedule(ctx, ev.ID, []*kakehashi.Meeting{{RequestID: req.ID}}, sys); err != nil {
				t.Fatal(err)
			}
			ms, err := db.Meetings(ctx, ev.ID)
			if err != nil || len(ms) != 1 {
				t.Fatalf("meetings %v %v", ms, err)
			}
			if _, err := db.MarkMeeting(ctx, ms[0].ID, kakehashi.MeetingHeld, sys); err != nil {
				t.Fatal(err)
			}
			r := post(t, requester, fmt.Sprintf("%s/events/%d/introduce", base, ev.ID), url.Values{"meeting_id": {fmt.Sprint(ms[0].ID)}})
			r.want(t, http.StatusSeeOther)
			return locationID(t, r)
		}},
		{"POST /proposals/{id}/stage (adopted)", func(t *testing.T) int64 {
			c := storetest.Call(owner.OrgID, time.Date(2099, 3, 31, 8, 0, 0, 0, time.UTC))
			c.EligibleKinds, c.EligibleCountries = nil, nil
			if err := db.CreateCall(ctx, c, sys); err != nil {
				t.Fatal(err)
			}
			l, err := db.Listing(ctx, c.ListingID)
			if err != nil {
				t.Fatal(err)
			}
			l.Controlled = true
			if err := db.UpdateListing(ctx, l, sys); err != nil {
				t.Fatal(err)
			}
			p := storetest.Proposal(c.ID)
			if err := db.CreateProposal(ctx, p, founder); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitProposal(ctx, p.ID, founder); err != nil {
				t.Fatal(err)
			}
			for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview, kakehashi.ProposalFinalist} {
				if _, err := db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: to}, sys); err != nil {
					t.Fatal(err)
				}
			}
			post(t, ownerPages, fmt.Sprintf("%s/proposals/%d/stage", base, p.ID), url.Values{"to": {"adopted"}, "feedback": {"Strong."}}).want(t, http.StatusSeeOther)
			adopted, err := db.Proposal(ctx, p.ID)
			if err != nil || adopted.Status != kakehashi.ProposalAdopted || adopted.IntroductionID == 0 {
				t.Fatalf("adopted proposal %+v %v", adopted, err)
			}
			return adopted.IntroductionID
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			id := p.open(t)
			in, err := db.Introduction(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if in.Hold != kakehashi.HoldScreening || in.Stage != kakehashi.StageInterest {
				t.Fatalf("introduction %d at %s with hold %q: want held for screening at interest", id, in.Stage, in.Hold)
			}
			post(t, ownerPages, fmt.Sprintf("%s/introductions/%d/transition", base, id), url.Values{"action": {"accept"}}).want(t, http.StatusConflict)
			if in, _ := db.Introduction(ctx, id); in.Stage != kakehashi.StageInterest {
				t.Fatalf("the owner accepted a held introduction: stage %s", in.Stage)
			}
		})
	}
}
