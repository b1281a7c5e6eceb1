package sqlstore

import "context"

// MigrateTo applies the migrations up to version upTo, for tests of a
// later migration on existing data.
func (db *DB) MigrateTo(ctx context.Context, upTo int) error { return db.migrate(ctx, upTo) }

// KnownUnique reports whether mapError knows the unique constraint key
// ("table(column, …)"): mapped to a field for clients, or internal.
func KnownUnique(key string) bool { return knownUnique(key) }
