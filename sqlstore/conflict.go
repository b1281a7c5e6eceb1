package sqlstore

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kakehashi/kakehashi"
)

// A write that breaks a unique constraint is a conflict the client caused:
// it gets a 409 that names the field at fault in words. The database's own
// text never reaches the client — it names tables, columns and constraints,
// and it can tell that a record the client may not see exists — but it is
// kept in the error chain (behind the domain error) for the logs.

// uniqueConflict says what a unique constraint's violation means to the
// client who caused it: the field at fault, what is wrong with it (for the
// field's error), and a sentence for the whole request. A conflict on what
// the request's path names (its event, call or proposal) has no field.
type uniqueConflict struct {
	field, message, summary string
}

// uniqueConflicts maps each unique constraint a client's write may break,
// as "table(column, column)", to what to say about it. Constraints only the
// server's own values can break (ids, token hashes, rollups, the visitor
// counter) are internalUniques; a test checks that the schema has no other.
var uniqueConflicts = map[string]uniqueConflict{
	"organizations(external_id)": {"external_id", "is already used by another organization",
		"Another organization has this external id."},
	"users(email)": {"email", "is already the sign-in address of another account",
		"An account with this e-mail address exists."},
	"listings(org_id, external_id)": {"external_id", "is already used by another listing of this organization",
		"Another listing of this organization has this external id."},
	"alerts(user_id, listing_id)": {"listing_id", "already has an alert of yours",
		"You already have an alert on this listing."},
	"calls(listing_id)": {"listing_id", "already has a challenge call",
		"This listing already has a challenge call."},
	"proposals(call_id, org_id)": {"", "already has a proposal from your organization",
		"Your organization already has a proposal to this call."},
	"proposal_reviewers(proposal_id, user_id)": {"user_id", "already reviews this proposal",
		"This person already reviews the proposal."},
	"proposal_reviews(proposal_id, reviewer_id)": {"", "already has your review",
		"You already reviewed this proposal."},
	"event_participants(event_id, user_id)": {"", "already has your registration",
		"You are already registered for this event."},
	"meeting_requests(event_id, from_id, to_id)": {"to_id", "already has a meeting request from you",
		"You already asked this participant for a meeting."},
	"event_meetings(request_id)": {"", "already has a meeting",
		"This request already has a meeting."},
	"researchers(user_id)": {"user_id", "already has a researcher profile",
		"This account already has a researcher profile."},
	"researchers(orcid)": {"orcid", "is already on another researcher profile",
		"Another researcher profile has this ORCID iD."},
	"researchers(openalex_id)": {"openalex_id", "is already on another researcher profile",
		"Another researcher profile has this OpenAlex id."},
	"researcher_listings(researcher_id, listing_id)": {"listing_ids", "names a listing twice",
		"A listing is linked twice."},
	"consortium_members(consortium_id, org_id)": {"", "is already a member of this consortium, or has asked to join",
		"The organization is already a member of this consortium, or has asked to join."},
	"consortium_listings(consortium_id, listing_id)": {"listing_id", "is already shared in this consortium",
		"The listing is already shared in this consortium."},
}

// internalUniques are the unique constraints no client value can break.
var internalUniques = []string{
	"sessions(token_hash)",
	"api_tokens(token_hash)",
	"meta(key)",
	"schema_migrations(version)",
	"listing_changes(seq)",
	"kpi_rollup(country, region, kind, field, month)",
	"kpi_org_listings(org_id, month, side, status, visibility)",
	"fair_views(event_id, listing_id, day, visitor_hash)",
	"listings(external_id_unscoped)", // always NULL since migration 170
	"sign_in_attempts(bucket)",       // the sign-in limiter's counters
}

// sqliteUnique reads the columns out of SQLite's "UNIQUE constraint
// failed: t.a, t.b".
var sqliteUnique = regexp.MustCompile(`constraint failed: ([a-z_]+)\.([a-z_]+(?:, [a-z_]+\.[a-z_]+)*)`)

// postgresKey reads the columns out of PostgreSQL's "Key (a, b)=(…) already
// exists."
var postgresKey = regexp.MustCompile(`^Key \(([a-z_, ]+)\)=`)

// constraintKey names the unique constraint err broke as
// "table(column, column)", or "" when it cannot tell.
func constraintKey(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		m := sqliteUnique.FindStringSubmatch(se.Error())
		if m == nil {
			return ""
		}
		cols := strings.Split(m[2], ", ")
		for i, c := range cols {
			cols[i] = strings.TrimPrefix(c, m[1]+".")
		}
		return m[1] + "(" + strings.Join(cols, ", ") + ")"
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		m := postgresKey.FindStringSubmatch(pe.Detail)
		if m == nil || pe.TableName == "" {
			return ""
		}
		return pe.TableName + "(" + m[1] + ")"
	}
	return ""
}

// conflictError is the domain error for a broken unique constraint: the
// field and words of uniqueConflicts, or a generic conflict for a
// constraint it does not know. The driver's error stays in the chain for
// the logs; kakehashi.ErrorMessage shows only the domain error's words.
func conflictError(err error) error {
	c, ok := uniqueConflicts[constraintKey(err)]
	if !ok {
		return fmt.Errorf("%w: %w", &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: "This conflicts with an existing record."}, err)
	}
	e := &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: c.summary}
	if c.field != "" {
		e.Fields = []kakehashi.FieldError{{Field: c.field, Message: c.message}}
	}
	return fmt.Errorf("%w: %w", e, err)
}

// knownUnique reports whether the unique constraint key ("table(column,
// …)") is mapped for clients or known to be internal.
func knownUnique(key string) bool {
	_, ok := uniqueConflicts[key]
	return ok || slices.Contains(internalUniques, key)
}

// mapError turns constraint violations into domain errors so that a client
// gets a 409 or a 400, not a 500, and never the database's own text.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return conflictError(err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", &kakehashi.Error{Code: kakehashi.EINVALID, Message: "a referenced record does not exist"}, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return conflictError(err)
		case "23503":
			return fmt.Errorf("%w: %w", &kakehashi.Error{Code: kakehashi.EINVALID, Message: "a referenced record does not exist"}, err)
		}
	}
	return err
}
