package demo

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// The demo researchers are fictional people at the demo organizations,
// behind demo seeds, so that "Who could work on this?" has answers. Their
// ORCID iDs carry valid check digits but start 0000-0000-, below the range
// ORCID issues, so that none is a real person's.

// researcherRecord is a line of data/researchers.jsonl: a profile whose
// organization, account and seeds are named by external id and e-mail.
type researcherRecord struct {
	kakehashi.Researcher
	Org      string   `json:"org"`
	User     string   `json:"user"`
	Listings []string `json:"listings"`
}

// IntendedExpert names, for demo needs, the researcher who should come
// first in "Who could work on this?"; the tests hold the ranking to it.
var IntendedExpert = map[string]string{
	"demo:need:0001": "Aya Yamamoto",   // sulfide solid electrolytes, liquid-phase synthesis
	"demo:need:0002": "Maria Gonzalez", // chest X-ray triage in an emergency department
}

// loadResearchers stores the demo researchers in one transaction, unless
// some researcher exists already. It returns how many it stored.
func loadResearchers(ctx context.Context, db *sqlstore.DB) (int, error) {
	existing, err := db.Researchers(ctx, kakehashi.ResearcherFilter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return 0, err
	}
	b, err := data.ReadFile("data/researchers.jsonl")
	if err != nil {
		return 0, err
	}
	var recs []researcherRecord
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var rec researcherRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return 0, fmt.Errorf("demo researchers line %d: %w", line, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	for i := range recs {
		rec := &recs[i]
		o, err := db.OrganizationByExternalID(ctx, rec.Org)
		if err != nil {
			return 0, fmt.Errorf("demo researcher %s: %w", rec.Name, err)
		}
		rec.OrgID = o.ID
		if rec.User != "" {
			u, err := db.UserByEmail(ctx, rec.User)
			if err != nil {
				return 0, fmt.Errorf("demo researcher %s: %w", rec.Name, err)
			}
			rec.UserID = u.ID
		}
	}
	actor := kakehashi.SystemActor("demo")
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		for i := range recs {
			rec := &recs[i]
			r := rec.Researcher
			for _, ext := range rec.Listings {
				var id int64
				if err := tx.QueryRowContext(ctx, `SELECT id FROM listings WHERE external_id = $1`, ext).Scan(&id); err != nil {
					return fmt.Errorf("demo researcher %s: listing %s: %w", r.Name, ext, err)
				}
				r.ListingIDs = append(r.ListingIDs, id)
			}
			r.Normalize()
			if err := r.Validate(); err != nil {
				return fmt.Errorf("demo researcher %s: %w", r.Name, err)
			}
			if err := db.InsertResearcher(ctx, tx, &r, actor); err != nil {
				return fmt.Errorf("demo researcher %s: %w", r.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(recs), nil
}
