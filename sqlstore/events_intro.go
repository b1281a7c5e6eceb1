package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// IntroduceMeeting opens, for a held meeting, an introduction in the
// pipeline and links it to the meeting, in one transaction so that a meeting
// never opens two introductions and never points at one that was rolled
// back. The organizers and the two participants may do it (CanMarkMeeting).
//
// The requester is the participant who asked for the meeting (in.RequesterID,
// filled when zero); the listing is one the recipient linked to the event
// (in.ListingID, the first linked one when zero: the recipient chose those
// to talk about), and the related listing the requester's first linked one.
// Without a listing to attach the introduction to, it fails with EINVALID
// on listing_id. The introduction starts at the interest stage like any
// other, so the listing's organization still accepts it and a confidential
// owner stays hidden until it does. The export-control gate decides
// in.Hold.
func (db *DB) IntroduceMeeting(ctx context.Context, meetingID int64, in *kakehashi.Introduction, actor *kakehashi.User) error {
	in.Message = strings.TrimSpace(in.Message)
	if err := db.refreshScreener(ctx); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		m, err := scanMeeting(tx.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM event_meetings m JOIN meeting_requests r ON r.id = m.request_id
			WHERE m.id = $1`+db.forUpdate(), meetingID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("meeting", meetingID)
		}
		if err != nil {
			return fmt.Errorf("read meeting %d: %w", meetingID, err)
		}
		e, err := db.eventQ(ctx, tx, m.EventID)
		if err != nil {
			return err
		}
		from, err := db.participantTx(ctx, tx, m.FromID)
		if err != nil {
			return err
		}
		to, err := db.participantTx(ctx, tx, m.ToID)
		if err != nil {
			return err
		}
		if !kakehashi.CanMarkMeeting(actor, e, from, to) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers and the participants may open an introduction from meeting %d", meetingID)
		}
		if m.Status != kakehashi.MeetingHeld {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "meeting %d was not held", meetingID)
		}
		if m.IntroductionID != 0 {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "meeting %d already opened introduction %d", meetingID, m.IntroductionID)
		}
		if in.RequesterID == 0 {
			in.RequesterID = from.UserID
		}
		if in.ListingID == 0 {
			if len(to.ListingIDs) == 0 {
				return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "no listing to attach the introduction to",
					Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "the other participant linked no listing to the event"}}}
			}
			in.ListingID = to.ListingIDs[0]
		}
		if in.RelatedListingID == 0 && len(from.ListingIDs) > 0 {
			in.RelatedListingID = from.ListingIDs[0]
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if in.RequesterID != from.UserID {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid introduction",
				Fields: []kakehashi.FieldError{{Field: "requester_id", Message: "must be the participant who asked for the meeting"}}}
		}
		if !slices.Contains(to.ListingIDs, in.ListingID) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid introduction",
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "must be a listing the other participant linked to the event"}}}
		}
		var owner int64
		if err := tx.QueryRowContext(ctx, `SELECT org_id FROM listings WHERE id = $1`, in.ListingID).Scan(&owner); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("listing", in.ListingID)
			}
			return fmt.Errorf("read listing %d: %w", in.ListingID, err)
		}
		now := db.now()
		in.RequesterOrgID, in.OwnerOrgID = from.OrgID, owner
		in.Stage, in.StageChangedAt, in.CreatedAt, in.UpdatedAt = kakehashi.StageInterest, now, now, now
		if err := db.insertIntroduction(ctx, tx, in); err != nil {
			return err
		}
		if err := db.stageEvent(ctx, tx, in.ID, actor, "", kakehashi.StageInterest, "", now); err != nil {
			return err
		}
		if err := db.notifyOrg(ctx, tx, in.OwnerOrgID, "interest", "A meeting at "+e.Name+" opened an introduction", introLink(in.ID), now); err != nil {
			return err
		}
		if err := db.queueIntroWebhooks(ctx, tx, kakehashi.WebhookIntroductionCreated, in, nil, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_meetings SET introduction_id = $1, updated_at = $2 WHERE id = $3`, in.ID, now, meetingID); err != nil {
			return fmt.Errorf("link meeting %d: %w", meetingID, mapError(err))
		}
		if err := db.audit(ctx, tx, actor, "introduction.create", "introduction", in.ID, map[string]any{"listing_id": in.ListingID, "meeting_id": meetingID}); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "introduce", "event_meeting", meetingID, map[string]any{"introduction_id": in.ID})
	})
}
