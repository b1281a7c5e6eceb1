package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
)

// RecordListingView counts a fair listing view; visitorHash is already a
// keyed hash of the visitor, never an address. It reports whether the view
// was new for that visitor, listing and day. Views are not audited one by
// one: they are anonymous statistics, not writes by a person.
func (db *DB) RecordListingView(ctx context.Context, eventID, listingID int64, day, visitorHash string) (bool, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(visitorHash) < 16 {
		return false, kakehashi.Errorf(kakehashi.EINVALID, "a view needs a day and a visitor hash")
	}
	conflict := `ON CONFLICT DO NOTHING`
	res, err := db.db.ExecContext(ctx, `INSERT INTO fair_views (event_id, listing_id, day, visitor_hash) VALUES ($1, $2, $3, $4) `+conflict,
		eventID, listingID, day, visitorHash)
	if err != nil {
		return false, fmt.Errorf("record view: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record view: %w", err)
	}
	return n == 1, nil
}

// ListingViews counts an event's fair views per listing (unique visitors
// per day, summed over days), most viewed first.
func (db *DB) ListingViews(ctx context.Context, eventID int64) ([]*kakehashi.ListingViewStat, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT v.listing_id, l.org_id, COUNT(*), COUNT(DISTINCT v.day) FROM fair_views v
		JOIN listings l ON l.id = v.listing_id WHERE v.event_id = $1 GROUP BY v.listing_id, l.org_id ORDER BY COUNT(*) DESC, v.listing_id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("listing views: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.ListingViewStat{}
	for rows.Next() {
		var s kakehashi.ListingViewStat
		if err := rows.Scan(&s.ListingID, &s.OrgID, &s.Views, &s.Days); err != nil {
			return nil, fmt.Errorf("listing views: %w", err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}
