package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.ResearcherService = (*DB)(nil)

const researcherColumns = `r.id, COALESCE(r.user_id, 0), COALESCE(r.org_id, 0), r.name, r.name_ja, r.position, r.career_stage, r.bio,
	r.keywords, r.fields, r.languages, COALESCE(r.orcid, ''), COALESCE(r.openalex_id, ''), r.open_industry, r.open_cross_appointment,
	r.open_startup, r.publications, COALESCE(r.created_by, 0), r.created_at, r.updated_at`

func scanResearcher(s scanner) (*kakehashi.Researcher, error) {
	var (
		r                                      kakehashi.Researcher
		keywords, fields, languages, publicats string
	)
	if err := s.Scan(&r.ID, &r.UserID, &r.OrgID, &r.Name, &r.NameJa, &r.Position, &r.Career, &r.Bio,
		&keywords, &fields, &languages, &r.ORCID, &r.OpenAlexID, &r.OpenTo.IndustryCollaboration, &r.OpenTo.CrossAppointment,
		&r.OpenTo.Startup, &publicats, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{keywords, &r.Keywords}, {fields, &r.Fields}, {languages, &r.Languages}, {publicats, &r.Publications}} {
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return nil, fmt.Errorf("researcher %d: decode stored list: %w", r.ID, err)
		}
	}
	r.ListingIDs = []int64{}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// Researcher returns the researcher with the given id and the listings
// they are behind.
func (db *DB) Researcher(ctx context.Context, id int64) (*kakehashi.Researcher, error) {
	r, err := scanResearcher(db.db.QueryRowContext(ctx, `SELECT `+researcherColumns+` FROM researchers r WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("researcher", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read researcher %d: %w", id, err)
	}
	if err := db.loadResearcherListings(ctx, db.db, []*kakehashi.Researcher{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// Researchers lists the researchers matching f in id order, each with the
// listings they are behind.
func (db *DB) Researchers(ctx context.Context, f kakehashi.ResearcherFilter) ([]*kakehashi.Researcher, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	q := newQuery(`SELECT `+researcherColumns+` FROM researchers r LEFT JOIN organizations o ON o.id = r.org_id WHERE r.id > $1`, f.After)
	if f.OrgID != 0 {
		q.where("r.org_id = ?", f.OrgID)
	}
	if f.Country != "" {
		q.where("o.country = ?", f.Country)
	}
	if f.OrgKind != "" {
		q.where("o.kind = ?", string(f.OrgKind))
	}
	if f.CareerStage != "" {
		q.where("r.career_stage = ?", string(f.CareerStage))
	}
	switch f.OpenTo {
	case kakehashi.OpenToAny:
		q.where("(r.open_industry OR r.open_cross_appointment OR r.open_startup)")
	case kakehashi.OpenToIndustryCollaboration:
		q.where("r.open_industry")
	case kakehashi.OpenToCrossAppointment:
		q.where("r.open_cross_appointment")
	case kakehashi.OpenToStartup:
		q.where("r.open_startup")
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		like := "%" + escapeLike(strings.ToLower(text)) + "%"
		q.where(`(LOWER(r.name) LIKE ? ESCAPE '\' OR LOWER(r.name_ja) LIKE ? ESCAPE '\' OR LOWER(r.keywords) LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.ListingID != 0 {
		q.where("r.id IN (SELECT researcher_id FROM researcher_listings WHERE listing_id = ?)", f.ListingID)
	}
	q.sql += fmt.Sprintf(" ORDER BY r.id LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list researchers: %w", err)
	}
	out := []*kakehashi.Researcher{}
	for rows.Next() {
		r, err := scanResearcher(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list researchers: %w", err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list researchers: %w", err)
	}
	if err := db.loadResearcherListings(ctx, db.db, out); err != nil {
		return nil, err
	}
	return out, nil
}

// escapeLike escapes the LIKE wildcards of s so that it matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// loadResearcherListings fills in the ListingIDs of rs.
func (db *DB) loadResearcherListings(ctx context.Context, q querier, rs []*kakehashi.Researcher) error {
	byID := map[int64]*kakehashi.Researcher{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	for start := 0; start < len(rs); start += 500 {
		chunk := rs[start:min(len(rs), start+500)]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, r := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args[i] = r.ID
		}
		rows, err := q.QueryContext(ctx, `SELECT researcher_id, listing_id FROM researcher_listings WHERE researcher_id IN (`+strings.Join(ph, ", ")+`) ORDER BY researcher_id, listing_id`, args...)
		if err != nil {
			return fmt.Errorf("read researcher listings: %w", err)
		}
		for rows.Next() {
			var rid, lid int64
			if err := rows.Scan(&rid, &lid); err != nil {
				rows.Close()
				return err
			}
			byID[rid].ListingIDs = append(byID[rid].ListingIDs, lid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read researcher listings: %w", err)
		}
	}
	return nil
}

// CreateResearcher validates and inserts r with its seed links, setting its
// id and timestamps.
func (db *DB) CreateResearcher(ctx context.Context, r *kakehashi.Researcher, actor *kakehashi.User) error {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.InsertResearcher(ctx, tx, r, actor) })
}

// InsertResearcher inserts the normalized, valid researcher r and its seed
// links within tx; importers call it inside their batch transaction.
func (db *DB) InsertResearcher(ctx context.Context, tx *sql.Tx, r *kakehashi.Researcher, actor *kakehashi.User) error {
	if err := db.checkResearcherRefs(ctx, tx, r); err != nil {
		return err
	}
	if err := db.insertResearcher(ctx, tx, r, actor); err != nil {
		return err
	}
	return db.bumpResearchers(ctx, tx)
}

// ImportResearcherTx is InsertResearcher for importers that resolved the
// profile's references themselves within tx (its organization exists, its
// listings are seeds just written, its ids were looked up and not found):
// it skips those checks, which are most of an author's cost in a bulk
// import, and the write counter, which the importer bumps once per
// transaction with BumpResearchersTx. The constraints still hold.
func (db *DB) ImportResearcherTx(ctx context.Context, tx *sql.Tx, r *kakehashi.Researcher, actor *kakehashi.User) error {
	return db.insertResearcher(ctx, tx, r, actor)
}

// BumpResearchersTx marks researchers written within tx, so that the people
// index rebuilds; see ImportResearcherTx.
func (db *DB) BumpResearchersTx(ctx context.Context, tx *sql.Tx) error {
	return db.bumpResearchers(ctx, tx)
}

func (db *DB) insertResearcher(ctx context.Context, tx *sql.Tx, r *kakehashi.Researcher, actor *kakehashi.User) error {
	now := db.now()
	r.CreatedAt, r.UpdatedAt = now, now
	var createdBy sql.NullInt64
	if actor != nil && actor.ID != 0 {
		r.CreatedBy = actor.ID
		createdBy = sql.NullInt64{Int64: actor.ID, Valid: true}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO researchers (user_id, org_id, name, name_ja, position, career_stage, bio, keywords, fields, languages,
		orcid, openalex_id, open_industry, open_cross_appointment, open_startup, publications, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
		nullID(r.UserID), nullID(r.OrgID), r.Name, r.NameJa, r.Position, string(r.Career), r.Bio, jsonText(r.Keywords), jsonText(r.Fields),
		jsonText(r.Languages), nullString(r.ORCID), nullString(r.OpenAlexID), r.OpenTo.IndustryCollaboration, r.OpenTo.CrossAppointment,
		r.OpenTo.Startup, jsonText(r.Publications), createdBy, now, now).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create researcher: %w", mapError(err))
	}
	for _, lid := range r.ListingIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO researcher_listings (researcher_id, listing_id, created_at) VALUES ($1, $2, $3)`, r.ID, lid, now); err != nil {
			return fmt.Errorf("link researcher %d to listing %d: %w", r.ID, lid, mapError(err))
		}
	}
	return db.audit(ctx, tx, actor, "researcher.create", "researcher", r.ID, map[string]string{"name": r.Name})
}

// checkResearcherRefs turns what the constraints would refuse into clear
// field errors: an unknown organization, account or listing, a listing
// that is not a seed, an account of another organization, and an ORCID iD,
// OpenAlex id or account that another profile has.
func (db *DB) checkResearcherRefs(ctx context.Context, tx *sql.Tx, r *kakehashi.Researcher) error {
	var p kakehashi.Problems
	if r.OrgID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = $1`, r.OrgID).Scan(&n); err != nil {
			return fmt.Errorf("check researcher organization: %w", err)
		}
		if n == 0 {
			p.Add("org_id", "organization %d does not exist", r.OrgID)
		}
	}
	if r.UserID != 0 {
		var org sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM users WHERE id = $1`, r.UserID).Scan(&org)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p.Add("user_id", "user %d does not exist", r.UserID)
		case err != nil:
			return fmt.Errorf("check researcher account: %w", err)
		case org.Int64 != r.OrgID:
			p.Add("user_id", "user %d belongs to another organization than the profile", r.UserID)
		}
	}
	for i, lid := range r.ListingIDs {
		var side string
		err := tx.QueryRowContext(ctx, `SELECT side FROM listings WHERE id = $1`, lid).Scan(&side)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p.Add(fmt.Sprintf("listing_ids[%d]", i), "listing %d does not exist", lid)
		case err != nil:
			return fmt.Errorf("check researcher listings: %w", err)
		case side != string(kakehashi.SideSeed):
			p.Add(fmt.Sprintf("listing_ids[%d]", i), "listing %d is a need; a researcher is behind seeds", lid)
		}
	}
	if err := p.Err("researcher"); err != nil {
		return err
	}
	for _, u := range []struct {
		col, value, what string
	}{{"orcid", r.ORCID, "ORCID iD"}, {"openalex_id", r.OpenAlexID, "OpenAlex author id"}, {"user_id", "", "account"}} {
		var arg any = u.value
		if u.col == "user_id" {
			if r.UserID == 0 {
				continue
			}
			arg = r.UserID
		} else if u.value == "" {
			continue
		}
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM researchers WHERE `+u.col+` = $1 AND id <> $2`, arg, r.ID).Scan(&other)
		if err == nil {
			return &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: fmt.Sprintf("researcher %d already has this %s", other, u.what),
				Fields: []kakehashi.FieldError{{Field: u.col, Message: fmt.Sprintf("is already the %s of researcher %d", u.what, other)}}}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check researcher %s: %w", u.col, err)
		}
	}
	return nil
}

// UpdateResearcher validates r and replaces the stored researcher r.ID and
// its seed links. The creator and creation time stay as stored.
func (db *DB) UpdateResearcher(ctx context.Context, r *kakehashi.Researcher, actor *kakehashi.User) error {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var createdBy int64
		err := tx.QueryRowContext(ctx, `SELECT created_at, COALESCE(created_by, 0) FROM researchers WHERE id = $1`, r.ID).Scan(&r.CreatedAt, &createdBy)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("researcher", r.ID)
		}
		if err != nil {
			return fmt.Errorf("update researcher %d: %w", r.ID, err)
		}
		r.CreatedAt, r.CreatedBy = r.CreatedAt.UTC(), createdBy
		if err := db.checkResearcherRefs(ctx, tx, r); err != nil {
			return err
		}
		now := db.now()
		r.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE researchers SET user_id = $1, org_id = $2, name = $3, name_ja = $4, position = $5, career_stage = $6,
			bio = $7, keywords = $8, fields = $9, languages = $10, orcid = $11, openalex_id = $12, open_industry = $13,
			open_cross_appointment = $14, open_startup = $15, publications = $16, updated_at = $17 WHERE id = $18`,
			nullID(r.UserID), nullID(r.OrgID), r.Name, r.NameJa, r.Position, string(r.Career), r.Bio, jsonText(r.Keywords), jsonText(r.Fields),
			jsonText(r.Languages), nullString(r.ORCID), nullString(r.OpenAlexID), r.OpenTo.IndustryCollaboration, r.OpenTo.CrossAppointment,
			r.OpenTo.Startup, jsonText(r.Publications), now, r.ID)
		if err != nil {
			return fmt.Errorf("update researcher %d: %w", r.ID, mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM researcher_listings WHERE researcher_id = $1`, r.ID); err != nil {
			return fmt.Errorf("update researcher %d links: %w", r.ID, err)
		}
		for _, lid := range r.ListingIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO researcher_listings (researcher_id, listing_id, created_at) VALUES ($1, $2, $3)`, r.ID, lid, now); err != nil {
				return fmt.Errorf("link researcher %d to listing %d: %w", r.ID, lid, mapError(err))
			}
		}
		if err := db.bumpResearchers(ctx, tx); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "researcher.update", "researcher", r.ID, nil)
	})
}

// LinkResearcherListing records that researcher rid is behind seed lid.
func (db *DB) LinkResearcherListing(ctx context.Context, rid, lid int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM researchers WHERE id = $1`, rid).Scan(&n); err != nil {
			return fmt.Errorf("link researcher %d: %w", rid, err)
		}
		if n == 0 {
			return notFound("researcher", rid)
		}
		var side string
		err := tx.QueryRowContext(ctx, `SELECT side FROM listings WHERE id = $1`, lid).Scan(&side)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("listing", lid)
		}
		if err != nil {
			return fmt.Errorf("link researcher %d: %w", rid, err)
		}
		if side != string(kakehashi.SideSeed) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid link", Fields: []kakehashi.FieldError{{Field: "listing_id", Message: fmt.Sprintf("listing %d is a need; a researcher is behind seeds", lid)}}}
		}
		_, err = db.LinkResearcherTx(ctx, tx, rid, lid, actor)
		return err
	})
}

// LinkResearcherTx links researcher rid to listing lid within tx and
// reports whether the link is new. A new link touches the researcher's
// updated_at, which search indexes of people watch.
func (db *DB) LinkResearcherTx(ctx context.Context, tx *sql.Tx, rid, lid int64, actor *kakehashi.User) (bool, error) {
	isNew, err := db.linkResearcher(ctx, tx, rid, lid, actor)
	if err != nil || !isNew {
		return isNew, err
	}
	return true, db.bumpResearchers(ctx, tx)
}

// ImportLinkResearcherTx is LinkResearcherTx without the write counter, for
// importers that call BumpResearchersTx once per transaction.
func (db *DB) ImportLinkResearcherTx(ctx context.Context, tx *sql.Tx, rid, lid int64, actor *kakehashi.User) (bool, error) {
	return db.linkResearcher(ctx, tx, rid, lid, actor)
}

func (db *DB) linkResearcher(ctx context.Context, tx *sql.Tx, rid, lid int64, actor *kakehashi.User) (bool, error) {
	now := db.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO researcher_listings (researcher_id, listing_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, rid, lid, now)
	if err != nil {
		return false, fmt.Errorf("link researcher %d to listing %d: %w", rid, lid, mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE researchers SET updated_at = $1 WHERE id = $2`, now, rid); err != nil {
		return false, fmt.Errorf("link researcher %d: %w", rid, err)
	}
	return true, db.audit(ctx, tx, actor, "researcher.link", "researcher", rid, map[string]int64{"listing_id": lid})
}

// FindResearcherTx returns the id of the researcher with ORCID iD orcid,
// else the one with OpenAlex author id oaID, else 0.
func (db *DB) FindResearcherTx(ctx context.Context, tx *sql.Tx, orcid, oaID string) (int64, error) {
	for _, k := range []struct{ col, v string }{{"orcid", orcid}, {"openalex_id", oaID}} {
		if k.v == "" {
			continue
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM researchers WHERE `+k.col+` = $1`, k.v).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find researcher by %s: %w", k.col, err)
		}
	}
	return 0, nil
}

// FindResearchersTx looks up many researchers at once within tx, for bulk
// imports: it returns the ids of those with one of the ORCID iDs, keyed
// "orcid:<iD>", and of those with one of the OpenAlex author ids, keyed
// "openalex:<id>". One query per 500 ids instead of one or two per author.
func (db *DB) FindResearchersTx(ctx context.Context, tx *sql.Tx, orcids, oaIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range []struct {
		col, prefix string
		vals        []string
	}{{"orcid", "orcid:", orcids}, {"openalex_id", "openalex:", oaIDs}} {
		for start := 0; start < len(k.vals); start += 500 {
			chunk := k.vals[start:min(start+500, len(k.vals))]
			q := newQuery(`SELECT id, ` + k.col + ` FROM researchers WHERE 1 = 1`)
			in := make([]any, len(chunk))
			marks := make([]byte, 0, len(chunk)*2)
			for i, v := range chunk {
				in[i] = v
				if i > 0 {
					marks = append(marks, ',')
				}
				marks = append(marks, '?')
			}
			q.where(k.col+" IN ("+string(marks)+")", in...)
			rows, err := tx.QueryContext(ctx, q.sql, q.args...)
			if err != nil {
				return nil, fmt.Errorf("find researchers by %s: %w", k.col, err)
			}
			for rows.Next() {
				var id int64
				var v string
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return nil, fmt.Errorf("find researchers by %s: %w", k.col, err)
				}
				out[k.prefix+v] = id
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("find researchers by %s: %w", k.col, err)
			}
		}
	}
	return out, nil
}

// researchersSeqKey is the meta key of the researchers' write counter.
const researchersSeqKey = "researchers_seq"

// bumpResearchers counts a write of researchers or their links within tx,
// so that ResearchersStamp is one key lookup.
func (db *DB) bumpResearchers(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)`, researchersSeqKey)
	if err != nil {
		return fmt.Errorf("count researcher write: %w", err)
	}
	return nil
}

// ResearchersStamp changes whenever a researcher or a link is written: the
// people index of the search engine rebuilds when it changes. It is the
// value of a counter every such write increments in its transaction.
func (db *DB) ResearchersStamp(ctx context.Context) (string, error) {
	v, err := db.GetMeta(ctx, researchersSeqKey)
	if err != nil {
		return "", fmt.Errorf("read researchers stamp: %w", err)
	}
	return v, nil
}
