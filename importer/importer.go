package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// Report says what an import did. Every input row is counted exactly once:
// in Created, Updated, Unchanged (by record kind) or in Problems.
type Report struct {
	Rows      int            `json:"rows"`
	Created   map[string]int `json:"created"`
	Updated   map[string]int `json:"updated"`
	Unchanged map[string]int `json:"unchanged"`
	Problems  []*RowError    `json:"problems"`
}

func newReport() *Report {
	return &Report{Created: map[string]int{}, Updated: map[string]int{}, Unchanged: map[string]int{}, Problems: []*RowError{}}
}

func (r *Report) count(kind string, res kakehashi.UpsertResult) {
	switch res {
	case kakehashi.Created:
		r.Created[kind]++
	case kakehashi.Updated:
		r.Updated[kind]++
	default:
		r.Unchanged[kind]++
	}
}

// Importer writes parsed records to a store.
type Importer struct {
	DB *sqlstore.DB
	// Actor is recorded in the audit log as the author of every write.
	Actor *kakehashi.User
	// BatchSize is the number of rows written per transaction (default 500).
	BatchSize int
	// Progress, if set, is called after each batch with the rows done so far.
	Progress func(rows int)
	// SkipAuthors makes an OpenAlex import leave authors out: no researcher
	// profiles are created or linked (the report counts none). For an
	// operator who wants the seeds only, at about twice the speed.
	SkipAuthors bool
}

// Import reads r in format f and upserts every valid row. It returns an
// error only when the input or the database fails as a whole; bad rows go to
// the report. Each batch is one transaction, so a crash leaves whole batches
// and a re-run completes the import without duplicates.
func (im *Importer) Import(ctx context.Context, r io.Reader, f Format) (*Report, error) {
	var p parser
	switch f {
	case JSONL:
		p = newJSONL(r)
	case CSV:
		cp, err := newCSV(r)
		if err != nil {
			return nil, err
		}
		p = cp
	default:
		return nil, fmt.Errorf("unknown format %q (want jsonl or csv)", f)
	}
	size := im.BatchSize
	if size <= 0 {
		size = 500
	}
	rep := newReport()
	batch := make([]row, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := im.writeBatch(ctx, batch, rep); err != nil {
			return err
		}
		batch = batch[:0]
		if im.Progress != nil {
			im.Progress(rep.Rows)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rw, err := p.next()
		var re *RowError
		switch {
		case errors.Is(err, io.EOF):
			err := flush()
			// Rows refused inside a batch are found after later parse
			// errors; report them all in file order.
			slices.SortStableFunc(rep.Problems, func(a, b *RowError) int { return a.Line - b.Line })
			return rep, err
		case errors.As(err, &re):
			rep.Rows++
			rep.Problems = append(rep.Problems, re)
			continue
		case err != nil:
			return rep, fmt.Errorf("read input: %w", err)
		}
		rep.Rows++
		if re := precheck(rw); re != nil {
			rep.Problems = append(rep.Problems, re)
			continue
		}
		batch = append(batch, rw)
		if len(batch) == size {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
}

// precheck validates a row before it joins a batch, so that a batch fails
// only for reasons the database alone can tell.
func precheck(r row) *RowError {
	if r.org != nil {
		o := r.org.Organization()
		o.Normalize()
		if err := o.Validate(); err != nil {
			return rowErr(r.line, o.ExternalID, err)
		}
		if o.ExternalID == "" {
			return &RowError{Line: r.line, Message: "external_id is required to import an organization"}
		}
		return nil
	}
	if r.lst.Org == "" {
		return &RowError{Line: r.line, ExternalID: r.lst.ExternalID, Message: "org (the external id of the owning organization) is required"}
	}
	l := r.lst.Listing(1) // the owner is resolved in the batch
	l.Normalize()
	if err := l.Validate(); err != nil {
		return rowErr(r.line, l.ExternalID, err)
	}
	if l.ExternalID == "" {
		return &RowError{Line: r.line, Message: "external_id is required to import a listing"}
	}
	return nil
}

// writeBatch writes rows in one transaction. If the database refuses one of
// them, the whole transaction is rolled back and each row is retried in a
// transaction of its own, so the bad row is reported and the others stored.
func (im *Importer) writeBatch(ctx context.Context, rows []row, rep *Report) error {
	var results []kakehashi.UpsertResult
	var skipped []*RowError
	err := im.DB.InTx(ctx, func(tx *sql.Tx) error {
		results, skipped = results[:0], skipped[:0]
		for _, r := range rows {
			res, re, err := im.writeRow(ctx, tx, r)
			if err != nil {
				return err
			}
			results = append(results, res)
			skipped = append(skipped, re)
		}
		return nil
	})
	if err == nil {
		for i, r := range rows {
			if skipped[i] != nil {
				rep.Problems = append(rep.Problems, skipped[i])
				continue
			}
			rep.count(kindOf(r), results[i])
		}
		return nil
	}
	if ctx.Err() != nil || len(rows) == 1 {
		if len(rows) == 1 && isRowFault(err) {
			rep.Problems = append(rep.Problems, rowErr(rows[0].line, rows[0].externalID(), err))
			return nil
		}
		return err
	}
	for _, r := range rows {
		if err := im.writeBatch(ctx, []row{r}, rep); err != nil {
			return err
		}
	}
	return nil
}

// isRowFault reports whether err is the row's fault (a conflict or invalid
// data) rather than the database's.
func isRowFault(err error) bool {
	switch kakehashi.ErrorCode(err) {
	case kakehashi.EINVALID, kakehashi.ECONFLICT:
		return true
	}
	return false
}

func kindOf(r row) string {
	if r.org != nil {
		return RecordOrganization
	}
	return RecordListing
}

// writeRow upserts one row. A listing whose organization is unknown is
// skipped with a RowError, without failing the transaction.
func (im *Importer) writeRow(ctx context.Context, tx *sql.Tx, r row) (kakehashi.UpsertResult, *RowError, error) {
	if r.org != nil {
		res, err := im.DB.UpsertOrganization(ctx, tx, r.org.Organization(), im.Actor)
		return res, nil, err
	}
	orgID, err := im.DB.OrganizationIDByExternalID(ctx, tx, r.lst.Org)
	if err != nil {
		return 0, nil, err
	}
	if orgID == 0 {
		return 0, &RowError{Line: r.line, ExternalID: r.lst.ExternalID, Message: fmt.Sprintf("organization %q is not known; import it first", r.lst.Org)}, nil
	}
	res, err := im.DB.UpsertListing(ctx, tx, r.lst.Listing(orgID), im.Actor)
	return res, nil, err
}
