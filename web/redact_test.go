package web_test

// Over HTTP: what a page shows or counts is computed only from what the
// visitor may see.

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
)

// TestIntroductionPageHidesTheOwnersPeople: before a confidential listing's
// owner accepts, the requester's page names nobody of the owner, its
// coordinator included when the coordinator belongs to the owner.
func TestIntroductionPageHidesTheOwnersPeople(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	owner, err := db.UserByEmail(ctx, hoshizoraEmail)
	if err != nil {
		t.Fatal(err)
	}
	tloUser, err := db.UserByEmail(ctx, tloEmail)
	if err != nil {
		t.Fatal(err)
	}
	l, err := db.Listing(ctx, hoshizoraNeeds(t, db, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	l.ID, l.ExternalID, l.Visibility = 0, "", kakehashi.VisibilityConfidential
	if err := db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	coord := &kakehashi.User{Email: "liaison@hoshizora-motors.example", Name: "Satsuki Liaison", OrgID: owner.OrgID,
		OrgRole: kakehashi.RoleMember, PlatformRole: kakehashi.PlatformCoordinator}
	if err := db.CreateUser(ctx, coord, system); err != nil {
		t.Fatal(err)
	}
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: tloUser.ID, RequesterOrgID: tloUser.OrgID, Message: "Interested."}
	if err := db.CreateIntroduction(ctx, in, tloUser); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignCoordinator(ctx, in.ID, coord.ID, system); err != nil {
		t.Fatal(err)
	}
	if err := db.PostMessage(ctx, &kakehashi.Message{IntroductionID: in.ID, Body: "Thank you, we are looking."}, owner); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/introductions/%d", in.ID)

	resp, body := newSession(t, base, tloEmail).get(page)
	if resp.StatusCode != 200 || !strings.Contains(body, "Confidential: the organization is shown once it accepts.") {
		t.Fatalf("the requester's page: status %d: %.500s", resp.StatusCode, body)
	}
	for _, name := range []string{coord.Name, owner.Name} {
		if strings.Contains(body, name) {
			t.Errorf("the requester's page names %q of the hidden owner", name)
		}
	}
	if _, body := newSession(t, base, hoshizoraEmail).get(page); !strings.Contains(body, coord.Name) || !strings.Contains(body, owner.Name) {
		t.Errorf("the owner's page does not name its coordinator %q and its member %q", coord.Name, owner.Name)
	}
}

// TestEventSuggestionsRankOnlyWhatTheVisitorMaySee: the event page ranks
// the other participants by their linked listings the visitor may see with
// their owner. A participant whose only match is a confidential listing of
// its own (its owner hidden from the visitor) must not lead.
func TestEventSuggestionsRankOnlyWhatTheVisitorMaySee(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	user := func(email string) *kakehashi.User {
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	visitor, hidden, open := user(tloEmail), user(cambridgeEmail), user(hoshizoraEmail)
	ev := &kakehashi.Event{OrgID: visitor.OrgID, Name: "Quasar brokerage", Status: kakehashi.EventOpen, Venue: "Osaka", TimeZone: "Asia/Tokyo",
		StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "11:00", MeetingMinutes: 30, Tables: 2}
	if err := db.CreateEvent(ctx, ev, system); err != nil {
		t.Fatal(err)
	}
	add := func(u *kakehashi.User, side kakehashi.Side, vis kakehashi.Visibility, title, summary string) int64 {
		l := &kakehashi.Listing{OrgID: u.OrgID, Side: side, Kind: kakehashi.KindTechnology, Language: "en", Title: title, Summary: summary,
			TRL: 4, IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: vis, Status: kakehashi.StatusOpen}
		if side == kakehashi.SideNeed {
			l.Kind = kakehashi.KindChallenge
		}
		if err := db.CreateListing(ctx, l, system); err != nil {
			t.Fatal(err)
		}
		if err := db.Register(ctx, &kakehashi.Participant{EventID: ev.ID, ListingIDs: []int64{l.ID}}, u); err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	add(visitor, kakehashi.SideNeed, kakehashi.VisibilityPublic, "Quasar widget calibration", "Calibrating quasar widgets with xylophone zeppelins.")
	add(hidden, kakehashi.SideSeed, kakehashi.VisibilityConfidential, "Quasar widget calibration", "Calibrating quasar widgets with xylophone zeppelins.")
	add(open, kakehashi.SideSeed, kakehashi.VisibilityPublic, "Zeppelin hangars", "Hangars for zeppelins.")

	s := newSession(t, base, tloEmail)
	// The engine follows the change feed: wait until it has the three.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := s.get("/api/v1/search?q=zeppelins")
		if strings.Count(body, `"listing":`) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listings were not indexed in time: %.300s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, body := s.get(fmt.Sprintf("/events/%d", ev.ID))
	i := strings.Index(body, `class="suggestions"`)
	if i < 0 {
		t.Fatalf("no suggestions on the event page: %.500s", body)
	}
	list := body[i:]
	list = list[:strings.Index(list, "</ol>")]
	if a, b := strings.Index(list, open.Name), strings.Index(list, hidden.Name); a < 0 || b < 0 || a > b {
		t.Errorf("suggestions %q: want %s (a public match) before %s (whose only match is confidential)", list, open.Name, hidden.Name)
	}
}

// TestHomeCountsOnlyWhatTheVisitorMaySee: the home page's counts of open
// seeds and needs are those of the search the numbers link to, as the
// visitor may see it: a members-only and a confidential seed count for a
// signed-in member, not for an anonymous visitor.
func TestHomeCountsOnlyWhatTheVisitorMaySee(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	anon, member := newSession(t, base, ""), newSession(t, base, engineerEmail)
	seeds := func(s *session) int {
		t.Helper()
		_, body := s.get("/")
		m := regexp.MustCompile(`href="/search\?side=seed&amp;open=1"><span class="stat-num">([0-9,]+)<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no count of open seeds on the home page: %.500s", body)
		}
		n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	anonBefore, memberBefore := seeds(anon), seeds(member)
	if anonBefore > memberBefore {
		t.Fatalf("an anonymous visitor counts %d open seeds, a member %d", anonBefore, memberBefore)
	}
	o, err := db.OrganizationByExternalID(ctx, "demo:org:kansai-tech-univ")
	if err != nil {
		t.Fatal(err)
	}
	for _, vis := range []kakehashi.Visibility{kakehashi.VisibilityMembers, kakehashi.VisibilityConfidential} {
		l := &kakehashi.Listing{OrgID: o.ID, Side: kakehashi.SideSeed, Kind: kakehashi.KindTechnology, Language: "en", Title: "Counted " + string(vis),
			Summary: "A seed to count.", TRL: 4, IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: vis, Status: kakehashi.StatusOpen}
		if err := db.CreateListing(ctx, l, system); err != nil {
			t.Fatal(err)
		}
	}
	// The engine follows the change feed: wait until the member counts both.
	deadline := time.Now().Add(10 * time.Second)
	for seeds(member) != memberBefore+2 {
		if time.Now().After(deadline) {
			t.Fatalf("a member counts %d open seeds, want %d", seeds(member), memberBefore+2)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := seeds(anon); n != anonBefore {
		t.Errorf("an anonymous visitor counts %d open seeds after a members-only and a confidential one were published, want %d", n, anonBefore)
	}
}
