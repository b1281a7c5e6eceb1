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

var _ kakehashi.OrganizationService = (*DB)(nil)

const orgColumns = `id, COALESCE(external_id, ''), name, local_name, aliases, kind, country, region, sectors, website, description, ror, corporate_number, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

// list runs q and scans each row with scan: the loop every List method
// would otherwise repeat. what names the rows in errors ("list what: …").
// It returns an empty slice, not nil, when no row matches, so that the API
// sends [] rather than null.
func list[T any](ctx context.Context, db *DB, q *query, what string, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

func scanOrg(s scanner) (*kakehashi.Organization, error) {
	var o kakehashi.Organization
	var aliases, sectors string
	if err := s.Scan(&o.ID, &o.ExternalID, &o.Name, &o.LocalName, &aliases, &o.Kind, &o.Country, &o.Region,
		&sectors, &o.Website, &o.Description, &o.ROR, &o.CorporateNumber, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(aliases), &o.Aliases); err != nil {
		return nil, fmt.Errorf("organization %d aliases: %w", o.ID, err)
	}
	if err := json.Unmarshal([]byte(sectors), &o.Sectors); err != nil {
		return nil, fmt.Errorf("organization %d sectors: %w", o.ID, err)
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// orgContent is what an organization's content hash covers.
func orgContent(o *kakehashi.Organization) any {
	c := *o
	c.ID, c.CreatedAt, c.UpdatedAt = 0, time.Time{}, time.Time{}
	return c
}

// Organization returns the organization with the given id.
func (db *DB) Organization(ctx context.Context, id int64) (*kakehashi.Organization, error) {
	o, err := scanOrg(db.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organization", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read organization %d: %w", id, err)
	}
	return o, nil
}

// OrganizationByExternalID returns the organization imported under extID.
func (db *DB) OrganizationByExternalID(ctx context.Context, extID string) (*kakehashi.Organization, error) {
	o, err := scanOrg(db.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE external_id = $1`, extID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organization", extID)
	}
	if err != nil {
		return nil, fmt.Errorf("read organization %s: %w", extID, err)
	}
	return o, nil
}

// Organizations lists organizations in id order.
func (db *DB) Organizations(ctx context.Context, f kakehashi.OrganizationFilter) ([]*kakehashi.Organization, error) {
	q := newQuery(`SELECT `+orgColumns+` FROM organizations WHERE id > $1`, f.After)
	if f.Country != "" {
		q.where("country = ?", f.Country)
	}
	if f.Kind != "" {
		q.where("kind = ?", string(f.Kind))
	}
	q.sql += fmt.Sprintf(" ORDER BY id LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Organization{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountOrganizations returns the number of organizations.
func (db *DB) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count organizations: %w", err)
	}
	return n, nil
}

// CreateOrganization validates and inserts o, setting its id and timestamps.
func (db *DB) CreateOrganization(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.insertOrg(ctx, tx, o, actor)
	})
}

func (db *DB) insertOrg(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization, actor *kakehashi.User) error {
	now := db.now()
	o.CreatedAt, o.UpdatedAt = now, now
	err := tx.QueryRowContext(ctx, `INSERT INTO organizations (external_id, name, local_name, aliases, kind, country, region, sectors, website, description, ror, corporate_number, content_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		nullString(o.ExternalID), o.Name, o.LocalName, jsonText(o.Aliases), string(o.Kind), o.Country, o.Region,
		jsonText(o.Sectors), o.Website, o.Description, o.ROR, o.CorporateNumber, contentHash(orgContent(o)), now, now).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("create organization: %w", mapError(err))
	}
	return db.audit(ctx, tx, actor, "organization.create", "organization", o.ID, map[string]string{"name": o.Name})
}

// UpdateOrganization validates o and replaces the stored organization o.ID.
// A change of what screening reads (names, country, kind) re-screens the
// organization in the same transaction, and only platform staff may move a
// screened organization to another country or rename a flagged one
// (kakehashi.CheckScreenedChange): EFORBIDDEN for anyone else.
func (db *DB) UpdateOrganization(ctx context.Context, o *kakehashi.Organization, actor *kakehashi.User) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	if err := db.refreshScreener(ctx); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.updateOrg(ctx, tx, o, actor)
		return err
	})
}

// updateOrg writes o over the stored row and reports whether anything
// changed. A change of the fields screening reads is checked against the
// organization's screening (kakehashi.CheckScreenedChange), re-screens it
// when the screener can, and is audited with the old and new values; when
// it cannot, the newer updated_at makes the last screening stale, so the
// gate screens again (or holds) at the next introduction.
func (db *DB) updateOrg(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization, actor *kakehashi.User) (bool, error) {
	now := db.now()
	hash := contentHash(orgContent(o))
	old, err := orgRowTx(ctx, tx, o.ID, db.forUpdate())
	if err != nil {
		return false, err
	}
	screened := kakehashi.ScreenedFields(old, o)
	if len(screened) > 0 {
		r, err := latestScreeningTx(ctx, tx, o.ID, "")
		if err != nil {
			return false, err
		}
		if err := kakehashi.CheckScreenedChange(actor, screened, r); err != nil {
			return false, err
		}
	}
	if err := db.kpiOrgChanging(ctx, tx, o); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE organizations SET external_id = $1, name = $2, local_name = $3, aliases = $4, kind = $5, country = $6,
		region = $7, sectors = $8, website = $9, description = $10, ror = $11, corporate_number = $12, content_hash = $13, updated_at = $14
		WHERE id = $15 AND content_hash <> $13`,
		nullString(o.ExternalID), o.Name, o.LocalName, jsonText(o.Aliases), string(o.Kind), o.Country, o.Region,
		jsonText(o.Sectors), o.Website, o.Description, o.ROR, o.CorporateNumber, hash, now, o.ID)
	if err != nil {
		return false, fmt.Errorf("update organization %d: %w", o.ID, mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	o.CreatedAt = old.CreatedAt
	if n == 0 {
		o.UpdatedAt = old.UpdatedAt
		return false, nil
	}
	o.UpdatedAt = now
	// The organization's country is indexed with its listings: tell search
	// indexes following the change feed to re-read them.
	rows, err := tx.QueryContext(ctx, `SELECT id FROM listings WHERE org_id = $1 ORDER BY id`, o.ID)
	if err != nil {
		return false, fmt.Errorf("update organization %d: %w", o.ID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := db.recordChange(ctx, tx, id, now); err != nil {
			return false, err
		}
	}
	var details any // nil: no details, as before for other changes
	if len(screened) > 0 {
		details = map[string]any{"screened_fields": screenedChanges(old, o, screened)}
		if _, err := db.rescreen(ctx, tx, o, actor); err != nil {
			return false, err
		}
	}
	return true, db.audit(ctx, tx, actor, "organization.update", "organization", o.ID, details)
}

// screenedChanges is the audit record of a change of the fields screening
// reads: each field's old and new value.
func screenedChanges(old, updated *kakehashi.Organization, fields []string) map[string]any {
	value := func(o *kakehashi.Organization, f string) any {
		switch f {
		case "name":
			return o.Name
		case "local_name":
			return o.LocalName
		case "aliases":
			return o.Aliases
		case "kind":
			return o.Kind
		default:
			return o.Country
		}
	}
	out := map[string]any{}
	for _, f := range fields {
		out[f] = map[string]any{"from": value(old, f), "to": value(updated, f)}
	}
	return out
}

// UpsertOrganization creates o, or updates the organization with the same
// external id when its content differs. Re-importing the same record is a
// no-op: nothing is written and the result is Unchanged.
func (db *DB) UpsertOrganization(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization, actor *kakehashi.User) (kakehashi.UpsertResult, error) {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return 0, err
	}
	if o.ExternalID == "" {
		return 0, &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid organization", Fields: []kakehashi.FieldError{{Field: "external_id", Message: "is required for an import"}}}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE external_id = $1`, o.ExternalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return kakehashi.Created, db.insertOrg(ctx, tx, o, actor)
	}
	if err != nil {
		return 0, fmt.Errorf("find organization %s: %w", o.ExternalID, err)
	}
	o.ID = id
	changed, err := db.updateOrg(ctx, tx, o, actor)
	if err != nil || !changed {
		return kakehashi.Unchanged, err
	}
	return kakehashi.Updated, nil
}

// query builds a WHERE clause with numbered placeholders.
type query struct {
	sql  string
	args []any
}

func newQuery(base string, args ...any) *query { return &query{sql: base, args: args} }

// where appends "AND cond", replacing each ? in cond by the next $N.
func (q *query) where(cond string, args ...any) {
	var b []byte
	i := 0
	for _, c := range []byte(cond) {
		if c == '?' && i < len(args) {
			q.args = append(q.args, args[i])
			i++
			b = fmt.Appendf(b, "$%d", len(q.args))
			continue
		}
		b = append(b, c)
	}
	q.sql += " AND " + string(b)
}

// OrganizationIDByExternalID returns the id of the organization imported
// under extID within tx, or 0 if there is none.
func (db *DB) OrganizationIDByExternalID(ctx context.Context, tx *sql.Tx, extID string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE external_id = $1`, extID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find organization %s: %w", extID, err)
	}
	return id, nil
}
