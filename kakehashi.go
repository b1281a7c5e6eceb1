// Package kakehashi holds the domain of the Kakehashi partner-matching platform:
// organizations, users, listings (seeds and needs), audit events, the access
// rules between them, and the typed errors every layer speaks.
//
// Packages below it implement storage (sqlstore), the JSON API (httpapi) and
// the command line (cmd/kakehashi); they depend on this package, never the
// other way round.
package kakehashi

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. They are stable strings so that the API, the CLI and the logs
// can all tell an invalid request from a missing record without parsing text.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	EFORBIDDEN    = "forbidden"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	ETOOMANY      = "too_many_requests"
	EINTERNAL     = "internal"
)

// Error is an application error whose Code says what kind of failure it is
// and whose Message is safe to show to the person who caused it.
type Error struct {
	Code    string
	Message string
	// Fields lists per-field problems for EINVALID errors.
	Fields []FieldError
}

// FieldError names one invalid field (a JSON-style path such as "trl" or
// "ip.jurisdictions[1]") and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message so that no implementation detail leaks to a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldErrors returns the field errors carried by err, if any.
func FieldErrors(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors while a value is validated.
type Problems struct {
	list []FieldError
}

// Add records a problem with field.
func (p *Problems) Add(field, format string, args ...any) {
	p.list = append(p.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, else an EINVALID *Error naming
// every field, sorted by field so that messages are stable.
func (p *Problems) Err(what string) error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Field < p.list[j].Field })
	return &Error{Code: EINVALID, Message: "invalid " + what, Fields: p.list}
}
