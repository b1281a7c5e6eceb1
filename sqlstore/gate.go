package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

// The export-control gate lives in the store so that no path can open an
// introduction without it: insertIntroduction is the only code that inserts
// into introductions, and it decides the hold (gate) in the same
// transaction. Transition asks the gate again before an acceptance, for
// introductions opened before a finding.

// Screener screens organizations for the gate (compliance.Service).
type Screener interface {
	// Refresh loads the newest list versions into the screener's index; the
	// store calls it before a transaction that may need a screening.
	Refresh(ctx context.Context) (bool, error)
	// Assess screens o against the lists the index holds, from memory: the
	// store calls it inside its own transactions, so it must not use the
	// store. The result's ListVersion names the version it used.
	Assess(o *kakehashi.Organization) (*kakehashi.ScreeningResult, error)
}

// Gate configures the store's export-control gate.
type Gate struct {
	// Screener screens an organization that has no current screening when
	// the gate needs one. Without it (or when its lists are older than the
	// store's) such an organization's gated introductions are held until a
	// screening is recorded: the gate fails closed.
	Screener Screener
	// ScreenAllCrossBorder gates every cross-border introduction, not only
	// those over export-control-relevant listings.
	ScreenAllCrossBorder bool
}

// SetGate configures the export-control gate (compliance.New calls it).
// It is safe to call while the store is in use.
func (db *DB) SetGate(g Gate) { db.gateConf.Store(&g) }

func (db *DB) gateConfig() Gate {
	if g := db.gateConf.Load(); g != nil {
		return *g
	}
	return Gate{}
}

// refreshScreener brings the screener's lists up to date before a
// transaction that may screen, since Assess cannot read the store.
func (db *DB) refreshScreener(ctx context.Context) error {
	if sc := db.gateConfig().Screener; sc != nil {
		if _, err := sc.Refresh(ctx); err != nil {
			return fmt.Errorf("refresh the screening lists: %w", err)
		}
	}
	return nil
}

// insertIntroduction stores the new introduction in within tx behind the
// export-control gate, setting in.ID and in.Hold. Every path that opens an
// introduction calls it (a test counts them). An introduction the gate
// holds starts at the interest stage whatever in.Stage asked for: the
// listing's organization accepts it once a coordinator clears the
// requester. The caller records the stage events, notifications and audit.
func (db *DB) insertIntroduction(ctx context.Context, tx *sql.Tx, in *kakehashi.Introduction) error {
	hold, err := db.gate(ctx, tx, in)
	if err != nil {
		return err
	}
	in.Hold = hold
	if hold != "" {
		in.Stage = kakehashi.StageInterest
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO introductions (listing_id, owner_org_id, requester_id, requester_org_id, related_listing_id,
		message, stage, stage_changed_at, created_at, updated_at, hold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		in.ListingID, in.OwnerOrgID, in.RequesterID, nullID(in.RequesterOrgID), nullID(in.RelatedListingID), in.Message,
		string(in.Stage), in.StageChangedAt, in.CreatedAt, in.UpdatedAt, in.Hold).Scan(&in.ID)
	if err != nil {
		return fmt.Errorf("create introduction: %w", mapError(err))
	}
	return nil
}

// gate decides within tx the export-control hold of introduction in: the
// requester's organization — the one the introduction names and the one the
// requesting user belongs to now, when they differ — is screened when it
// has no current screening and the screener can, and kakehashi.GateHold
// decides on the result.
func (db *DB) gate(ctx context.Context, tx *sql.Tx, in *kakehashi.Introduction) (string, error) {
	conf := db.gateConfig()
	l, err := scanListing(tx.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, in.ListingID))
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("listing", in.ListingID)
	}
	if err != nil {
		return "", fmt.Errorf("gate: read listing %d: %w", in.ListingID, err)
	}
	owner, err := db.orgTx(ctx, tx, l.OrgID)
	if err != nil {
		return "", fmt.Errorf("gate: %w", err)
	}
	var userOrg sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT org_id FROM users WHERE id = $1`, in.RequesterID).Scan(&userOrg); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("gate: read requester %d: %w", in.RequesterID, err)
	}
	orgs := []int64{in.RequesterOrgID}
	if userOrg.Valid && userOrg.Int64 != in.RequesterOrgID {
		orgs = append(orgs, userOrg.Int64)
	}
	for _, id := range orgs {
		if id == 0 {
			continue
		}
		requester, err := orgRowTx(ctx, tx, id, "")
		if err != nil {
			return "", fmt.Errorf("gate: %w", err)
		}
		r, current, err := db.screeningState(ctx, tx, requester)
		if err != nil {
			return "", err
		}
		needs := kakehashi.NeedsScreening(l, owner, requester, conf.ScreenAllCrossBorder)
		if !current && (needs || l.Controlled && r != nil) {
			fresh, err := db.rescreen(ctx, tx, requester, kakehashi.SystemActor("screening"))
			if err != nil {
				return "", err
			}
			if fresh != nil {
				r, current = fresh, true
			}
		}
		if hold := kakehashi.GateHold(l, owner, requester, r, current, conf.ScreenAllCrossBorder); hold != "" {
			return hold, nil
		}
	}
	return "", nil
}

// orgRowTx reads the whole of organization id within tx, with lock appended
// to the query (db.forUpdate() or "").
func orgRowTx(ctx context.Context, tx *sql.Tx, id int64, lock string) (*kakehashi.Organization, error) {
	o, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organization", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read organization %d: %w", id, err)
	}
	return o, nil
}

// newestListVersion is the id of the newest list version loaded (0: none).
func newestListVersion(ctx context.Context, q rowQuerier) (int64, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(id) FROM screening_lists`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read list versions: %w", err)
	}
	return v.Int64, nil
}

// screeningState returns o's newest screening and whether it is current:
// made against the newest lists, after o last changed. With no list
// loaded there is nothing to screen against: o counts as clear.
func (db *DB) screeningState(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization) (*kakehashi.ScreeningResult, bool, error) {
	newest, err := newestListVersion(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	r, err := latestScreeningTx(ctx, tx, o.ID, "")
	if err != nil {
		return nil, false, err
	}
	if newest == 0 && r == nil {
		return &kakehashi.ScreeningResult{OrgID: o.ID, Status: kakehashi.ScreeningClear}, true, nil
	}
	current := r != nil && r.ListVersion == newest && !r.ScreenedAt.Before(o.UpdatedAt)
	return r, current, nil
}

// rescreen screens o within tx with the screener and records the result
// (audited as actor's), when the screener holds the newest lists; it
// returns nil when it cannot screen.
func (db *DB) rescreen(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization, actor *kakehashi.User) (*kakehashi.ScreeningResult, error) {
	sc := db.gateConfig().Screener
	if sc == nil {
		return nil, nil
	}
	newest, err := newestListVersion(ctx, tx)
	if err != nil || newest == 0 {
		return nil, err
	}
	r, err := sc.Assess(o)
	if err != nil {
		return nil, fmt.Errorf("screen %s: %w", o.Name, err)
	}
	if r.ListVersion != newest {
		return nil, nil
	}
	if err := db.saveScreeningTx(ctx, tx, r, actor); err != nil {
		return nil, err
	}
	return r, nil
}

// holdFlagged puts on hold, within tx, the open interests of organization
// orgID that the gate holds now that its screening r flagged it: every one
// in a controlled listing, whatever the countries, and the cross-border ones
// when every cross-border introduction is screened.
func (db *DB) holdFlagged(ctx context.Context, tx *sql.Tx, orgID int64, r *kakehashi.ScreeningResult, actor *kakehashi.User) error {
	rows, err := tx.QueryContext(ctx, `SELECT i.id, l.controlled, o.country, q.country FROM introductions i
		JOIN listings l ON l.id = i.listing_id JOIN organizations o ON o.id = i.owner_org_id JOIN organizations q ON q.id = i.requester_org_id
		WHERE i.requester_org_id = $1 AND i.stage = 'interest' AND i.hold = '' ORDER BY i.id`, orgID)
	if err != nil {
		return fmt.Errorf("read interests of organization %d: %w", orgID, err)
	}
	var ids []int64
	screenAll := db.gateConfig().ScreenAllCrossBorder
	for rows.Next() {
		var id int64
		var l kakehashi.Listing
		var owner, requester kakehashi.Organization
		if err := rows.Scan(&id, &l.Controlled, &owner.Country, &requester.Country); err != nil {
			rows.Close()
			return err
		}
		if kakehashi.GateHold(&l, &owner, &requester, r, true, screenAll) != "" {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.holdTx(ctx, tx, id, kakehashi.HoldScreening, actor); err != nil {
			return err
		}
	}
	return nil
}

// holdTx puts introduction id, at the interest stage, on hold within tx.
func (db *DB) holdTx(ctx context.Context, tx *sql.Tx, id int64, hold string, actor *kakehashi.User) error {
	res, err := tx.ExecContext(ctx, `UPDATE introductions SET hold = $1 WHERE id = $2 AND stage = 'interest'`, hold, id)
	if err != nil {
		return fmt.Errorf("hold introduction %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kakehashi.Errorf(kakehashi.ECONFLICT, "introduction %d is past the interest stage", id)
	}
	return db.audit(ctx, tx, actor, "introduction.hold", "introduction", id, map[string]any{"hold": hold})
}
