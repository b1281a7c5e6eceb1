package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.ListingService = (*DB)(nil)

const listingColumns = `l.id, COALESCE(l.external_id, ''), l.org_id, l.side, l.kind, l.title, l.summary, l.body, l.language, l.keywords, l.fields, l.sectors,
	l.trl, l.ip, l.partnership_types, l.target_countries, l.controlled, l.visibility, l.status, l.deadline, COALESCE(l.created_by, 0), l.created_at, l.updated_at`

func scanListing(s scanner) (*kakehashi.Listing, error) {
	var (
		l                                                  kakehashi.Listing
		keywords, fields, sectors, ip, partners, countries string
		deadline                                           sql.NullTime
	)
	if err := s.Scan(&l.ID, &l.ExternalID, &l.OrgID, &l.Side, &l.Kind, &l.Title, &l.Summary, &l.Body, &l.Language,
		&keywords, &fields, &sectors, &l.TRL, &ip, &partners, &countries, &l.Controlled, &l.Visibility, &l.Status,
		&deadline, &l.CreatedBy, &l.CreatedAt, &l.UpdatedAt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{keywords, &l.Keywords}, {fields, &l.Fields}, {sectors, &l.Sectors}, {ip, &l.IP}, {partners, &l.PartnershipTypes}, {countries, &l.TargetCountries}} {
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return nil, fmt.Errorf("listing %d: decode stored list: %w", l.ID, err)
		}
	}
	if deadline.Valid {
		d := deadline.Time.UTC()
		l.Deadline = &d
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return &l, nil
}

// listingContent is what a listing's content hash covers: everything but
// the id, the creator and the timestamps.
func listingContent(l *kakehashi.Listing) any {
	c := *l
	c.ID, c.CreatedBy, c.CreatedAt, c.UpdatedAt = 0, 0, time.Time{}, time.Time{}
	return c
}

// Listing returns the listing with the given id, unredacted.
func (db *DB) Listing(ctx context.Context, id int64) (*kakehashi.Listing, error) {
	l, err := scanListing(db.db.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("listing", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read listing %d: %w", id, err)
	}
	return l, nil
}

// ListingsByID returns the listings with the given ids that exist, unredacted,
// in id order. The search index uses it to load changed listings.
func (db *DB) ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	out := []*kakehashi.Listing{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		q := newQuery(`SELECT ` + listingColumns + ` FROM listings l WHERE 1 = 1`)
		in := make([]any, len(chunk))
		marks := make([]byte, 0, len(chunk)*2)
		for i, id := range chunk {
			in[i] = id
			if i > 0 {
				marks = append(marks, ',')
			}
			marks = append(marks, '?')
		}
		q.where("l.id IN ("+string(marks)+")", in...)
		q.sql += " ORDER BY l.id"
		rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return nil, fmt.Errorf("read listings: %w", err)
		}
		for rows.Next() {
			l, err := scanListing(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read listings: %w", err)
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// visibleTo adds the condition that viewer may see the listing (the SQL form
// of kakehashi.CanSeeListing; the authorization tests check they agree).
func visibleTo(q *query, viewer *kakehashi.User) {
	switch {
	case viewer.IsStaff():
	case viewer == nil:
		q.where("l.status <> 'draft' AND l.visibility = 'public'")
	case viewer.OrgID != 0:
		q.where("(l.org_id = ? OR l.status <> 'draft')", viewer.OrgID)
	default:
		q.where("l.status <> 'draft'")
	}
}

// ownerVisibleTo adds the condition that viewer may see who owns the
// listing, so that filtering by the owner's country cannot reveal the owner
// of a confidential listing.
func ownerVisibleTo(q *query, viewer *kakehashi.User) {
	if viewer.IsStaff() {
		return
	}
	cond, args := "l.visibility <> 'confidential'", []any{}
	if viewer != nil && viewer.OrgID != 0 {
		cond += " OR l.org_id = ?"
		args = append(args, viewer.OrgID)
	}
	if viewer != nil {
		for _, id := range viewer.Revealed {
			cond += " OR l.id = ?"
			args = append(args, id)
		}
	}
	q.where("("+cond+")", args...)
}

// Listings returns the listings matching f that viewer may see, in id order,
// unredacted; callers redact with kakehashi.Redact.
func (db *DB) Listings(ctx context.Context, f kakehashi.ListingFilter, viewer *kakehashi.User) ([]*kakehashi.Listing, error) {
	q := newQuery(`SELECT `+listingColumns+` FROM listings l WHERE l.id > $1`, f.After)
	visibleTo(q, viewer)
	if f.Side != "" {
		q.where("l.side = ?", string(f.Side))
	}
	if f.Kind != "" {
		q.where("l.kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		q.where("l.status = ?", string(f.Status))
	}
	if f.Language != "" {
		q.where("l.language = ?", f.Language)
	}
	if f.OrgID != 0 || f.Country != "" {
		ownerVisibleTo(q, viewer)
	}
	if f.OrgID != 0 {
		q.where("l.org_id = ?", f.OrgID)
	}
	if f.Country != "" {
		q.where("l.org_id IN (SELECT id FROM organizations WHERE country = ?)", f.Country)
	}
	q.sql += fmt.Sprintf(" ORDER BY l.id LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list listings: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Listing{}
	for rows.Next() {
		l, err := scanListing(rows)
		if err != nil {
			return nil, fmt.Errorf("list listings: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ScanListings returns up to n listings with id > after, in id order,
// whatever their visibility: the search index reads the store with it.
func (db *DB) ScanListings(ctx context.Context, after int64, n int) ([]*kakehashi.Listing, error) {
	return db.Listings(ctx, kakehashi.ListingFilter{After: after, Limit: n}, &kakehashi.User{PlatformRole: kakehashi.PlatformAdmin})
}

// ListingIDs returns the id of every listing, in order: with ListingsByID,
// it lets the search index read the store a block at a time while it
// builds, instead of holding every listing at once.
func (db *DB) ListingIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id FROM listings ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list listing ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list listing ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list listing ids: %w", err)
	}
	return ids, nil
}

// ListingCounts returns the number of listings per side and status.
func (db *DB) ListingCounts(ctx context.Context) (map[kakehashi.Side]map[kakehashi.Status]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT side, status, COUNT(*) FROM listings GROUP BY side, status`)
	if err != nil {
		return nil, fmt.Errorf("count listings: %w", err)
	}
	defer rows.Close()
	out := map[kakehashi.Side]map[kakehashi.Status]int{}
	for rows.Next() {
		var side kakehashi.Side
		var status kakehashi.Status
		var n int
		if err := rows.Scan(&side, &status, &n); err != nil {
			return nil, err
		}
		if out[side] == nil {
			out[side] = map[kakehashi.Status]int{}
		}
		out[side][status] = n
	}
	return out, rows.Err()
}

// CreateListing validates and inserts l, setting its id and timestamps.
func (db *DB) CreateListing(ctx context.Context, l *kakehashi.Listing, actor *kakehashi.User) error {
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.insertListing(ctx, tx, l, actor) })
}

func (db *DB) insertListing(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing, actor *kakehashi.User) error {
	now := db.now()
	l.CreatedAt, l.UpdatedAt = now, now
	var createdBy sql.NullInt64
	if actor != nil && actor.ID != 0 {
		l.CreatedBy = actor.ID
		createdBy = sql.NullInt64{Int64: actor.ID, Valid: true}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO listings (external_id, org_id, side, kind, title, summary, body, language, keywords, fields, sectors,
		trl, ip, partnership_types, target_countries, controlled, visibility, status, deadline, created_by, content_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id`,
		nullString(l.ExternalID), l.OrgID, string(l.Side), string(l.Kind), l.Title, l.Summary, l.Body, l.Language,
		jsonText(l.Keywords), jsonText(l.Fields), jsonText(l.Sectors), l.TRL, jsonText(l.IP), jsonText(l.PartnershipTypes),
		jsonText(l.TargetCountries), l.Controlled, string(l.Visibility), string(l.Status), nullTime(l.Deadline), createdBy,
		contentHash(listingContent(l)), now, now).Scan(&l.ID)
	if err != nil {
		return fmt.Errorf("create listing: %w", mapError(err))
	}
	if err := db.recordChange(ctx, tx, l.ID, now); err != nil {
		return err
	}
	if err := db.markKPIMonths(ctx, tx, now); err != nil {
		return err
	}
	return db.audit(ctx, tx, actor, "listing.create", "listing", l.ID, map[string]string{"title": l.Title})
}

// UpdateListing validates l and replaces the stored listing l.ID. The owning
// organization, creator and creation time stay as stored.
func (db *DB) UpdateListing(ctx context.Context, l *kakehashi.Listing, actor *kakehashi.User) error {
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.updateListing(ctx, tx, l, actor)
		return err
	})
}

func (db *DB) updateListing(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing, actor *kakehashi.User) (bool, error) {
	now := db.now()
	hash := contentHash(listingContent(l))
	if err := db.kpiListingChanging(ctx, tx, l); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE listings SET external_id = $1, org_id = $2, side = $3, kind = $4, title = $5, summary = $6, body = $7,
		language = $8, keywords = $9, fields = $10, sectors = $11, trl = $12, ip = $13, partnership_types = $14, target_countries = $15,
		controlled = $16, visibility = $17, status = $18, deadline = $19, content_hash = $20, updated_at = $21
		WHERE id = $22 AND content_hash <> $20`,
		nullString(l.ExternalID), l.OrgID, string(l.Side), string(l.Kind), l.Title, l.Summary, l.Body, l.Language,
		jsonText(l.Keywords), jsonText(l.Fields), jsonText(l.Sectors), l.TRL, jsonText(l.IP), jsonText(l.PartnershipTypes),
		jsonText(l.TargetCountries), l.Controlled, string(l.Visibility), string(l.Status), nullTime(l.Deadline), hash, now, l.ID)
	if err != nil {
		return false, fmt.Errorf("update listing %d: %w", l.ID, mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	var createdBy int64
	var created time.Time
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(created_by, 0), created_at FROM listings WHERE id = $1`, l.ID).Scan(&createdBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return false, notFound("listing", l.ID)
	}
	if err != nil {
		return false, fmt.Errorf("update listing %d: %w", l.ID, err)
	}
	l.CreatedBy, l.CreatedAt = createdBy, created.UTC()
	if n == 0 {
		return false, nil
	}
	l.UpdatedAt = now
	if err := db.recordChange(ctx, tx, l.ID, now); err != nil {
		return false, err
	}
	return true, db.audit(ctx, tx, actor, "listing.update", "listing", l.ID, map[string]string{"status": string(l.Status)})
}

// UpsertListing creates l, or updates the listing of l's organization with
// the same external id when its content differs; the same content again
// writes nothing. External ids are scoped to the organization, so a row that
// names another organization creates that organization's listing.
func (db *DB) UpsertListing(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing, actor *kakehashi.User) (kakehashi.UpsertResult, error) {
	l.Normalize()
	if err := l.Validate(); err != nil {
		return 0, err
	}
	if l.ExternalID == "" {
		return 0, &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid listing", Fields: []kakehashi.FieldError{{Field: "external_id", Message: "is required for an import"}}}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM listings WHERE org_id = $1 AND external_id = $2`, l.OrgID, l.ExternalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return kakehashi.Created, db.insertListing(ctx, tx, l, actor)
	}
	if err != nil {
		return 0, fmt.Errorf("find listing %s: %w", l.ExternalID, err)
	}
	l.ID = id
	changed, err := db.updateListing(ctx, tx, l, actor)
	if err != nil || !changed {
		return kakehashi.Unchanged, err
	}
	return kakehashi.Updated, nil
}

// recordChange appends listing id to the change feed. On PostgreSQL it first
// takes a transaction-scoped advisory lock so that feed entries commit in
// sequence order, and notifies the followers of other replicas (delivered
// on commit, see WaitChanges); SQLite's single writer gives that order
// already.
func (db *DB) recordChange(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, changeFeedLock); err != nil {
			return fmt.Errorf("lock change feed: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `WITH c AS (INSERT INTO listing_changes (listing_id, at) VALUES ($1, $2) RETURNING seq)
SELECT pg_notify('`+changeChannel+`', seq::text) FROM c`, id, at); err != nil {
			return fmt.Errorf("record listing change: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO listing_changes (listing_id, at) VALUES ($1, $2)`, id, at); err != nil {
		return fmt.Errorf("record listing change: %w", err)
	}
	return nil
}

// ListingChanges returns up to limit change-feed entries after afterSeq, in
// sequence order.
func (db *DB) ListingChanges(ctx context.Context, afterSeq int64, n int) ([]kakehashi.ListingChange, error) {
	rows, err := db.db.QueryContext(ctx, fmt.Sprintf(`SELECT seq, listing_id, at FROM listing_changes WHERE seq > $1 ORDER BY seq LIMIT %d`, limit(n)), afterSeq)
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	defer rows.Close()
	out := []kakehashi.ListingChange{}
	for rows.Next() {
		var c kakehashi.ListingChange
		if err := rows.Scan(&c.Seq, &c.ListingID, &c.At); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// InTx runs fn in one transaction: the importer writes a batch of upserts
// with it, so a batch is stored whole or not at all.
func (db *DB) InTx(ctx context.Context, fn func(*sql.Tx) error) error { return db.inTx(ctx, fn) }
