package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// OrgKey is what an importer needs to recognize an organization it meets
// under another external id: its ROR id and its name.
type OrgKey struct {
	ID         int64
	ExternalID string
	Name       string
	ROR        string
}

// OrganizationKeysInCountry returns the keys of every organization of
// country, read within tx (an index on country serves it).
func (db *DB) OrganizationKeysInCountry(ctx context.Context, tx *sql.Tx, country string) ([]OrgKey, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(external_id, ''), name, ror FROM organizations WHERE country = $1 ORDER BY id`, country)
	if err != nil {
		return nil, fmt.Errorf("list organizations of %s: %w", country, err)
	}
	defer rows.Close()
	var out []OrgKey
	for rows.Next() {
		var k OrgKey
		if err := rows.Scan(&k.ID, &k.ExternalID, &k.Name, &k.ROR); err != nil {
			return nil, fmt.Errorf("list organizations of %s: %w", country, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
