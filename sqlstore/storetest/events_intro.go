package storetest

import (
	"context"
	"testing"

	"github.com/kakehashi/kakehashi"
)

// testIntroduceMeeting checks that a held meeting opens one introduction,
// linked to it in the same transaction, and that every refusal leaves
// neither an introduction nor a link behind.
func testIntroduceMeeting(t *testing.T, newDSN NewDSN) {
	p := newParties(t, newDSN, kakehashi.VisibilityPublic)
	ctx := context.Background()
	e, _, _, r := eventWithRequest(t, p)
	if err := p.db.SaveSchedule(ctx, e.ID, []*kakehashi.Meeting{{RequestID: r.ID, Slot: 0, Table: 0}}, p.owner); err != nil {
		t.Fatal(err)
	}
	ms, err := p.db.Meetings(ctx, e.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("meetings %+v, %v", ms, err)
	}
	m := ms[0]
	intro := func() *kakehashi.Introduction {
		return &kakehashi.Introduction{ListingID: p.listing.ID, RequesterID: p.requester.ID, Message: "Met at the event."}
	}
	// Not held yet, an outsider, the wrong requester, a listing not linked.
	wantCode(t, p.db.IntroduceMeeting(ctx, m.ID, intro(), p.requester), kakehashi.ECONFLICT)
	if _, err := p.db.MarkMeeting(ctx, m.ID, kakehashi.MeetingHeld, p.owner); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.db.IntroduceMeeting(ctx, m.ID, intro(), p.outsid), kakehashi.EFORBIDDEN)
	wrong := intro()
	wrong.RequesterID = p.owner.ID
	wantCode(t, p.db.IntroduceMeeting(ctx, m.ID, wrong, p.owner), kakehashi.EINVALID)
	other := intro()
	other.ListingID = p.listing.ID + 1000
	wantCode(t, p.db.IntroduceMeeting(ctx, m.ID, other, p.owner), kakehashi.EINVALID)
	wantCode(t, p.db.IntroduceMeeting(ctx, 999999, intro(), p.owner), kakehashi.ENOTFOUND)

	// Left out, the requester and the listing default to the meeting's.
	in := intro()
	in.ListingID, in.RequesterID = 0, 0
	if err := p.db.IntroduceMeeting(ctx, m.ID, in, p.owner); err != nil {
		t.Fatal(err)
	}
	if in.ID == 0 || in.Stage != kakehashi.StageInterest || in.OwnerOrgID != p.ownerOrg.ID || in.RequesterOrgID != p.requester.OrgID {
		t.Fatalf("introduction %+v", in)
	}
	stored, err := p.db.Introduction(ctx, in.ID)
	if err != nil || stored.ListingID != p.listing.ID || stored.RequesterID != p.requester.ID {
		t.Fatalf("stored introduction %+v, %v", stored, err)
	}
	if ms, _ = p.db.Meetings(ctx, e.ID); ms[0].IntroductionID != in.ID {
		t.Fatalf("introduction not linked: %+v", ms[0])
	}
	// Once only.
	wantCode(t, p.db.IntroduceMeeting(ctx, m.ID, intro(), p.owner), kakehashi.ECONFLICT)
	var n int
	if err := p.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM introductions WHERE listing_id = $1`, p.listing.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d introductions stored, %v; want 1", n, err)
	}
}
