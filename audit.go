package kakehashi

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEvent records who did what to which record, and when. Every write
// in the store appends one in the same transaction as the write itself, so
// the log cannot miss a change nor record one that was rolled back.
type AuditEvent struct {
	ID int64 `json:"id"`
	// ActorID is zero for system actions such as imports run from the CLI.
	ActorID int64 `json:"actor_id,omitempty"`
	// Actor is a readable label: the e-mail of the user, or "system:import".
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	RecordType string          `json:"record_type"`
	RecordID   int64           `json:"record_id"`
	At         time.Time       `json:"at"`
	Details    json.RawMessage `json:"details,omitempty"`
}

// Validate reports every invalid field of e.
func (e *AuditEvent) Validate() error {
	var p Problems
	checkText(&p, "actor", e.Actor, 1, 300)
	checkText(&p, "action", e.Action, 1, 100)
	checkText(&p, "record_type", e.RecordType, 1, 100)
	if e.RecordID < 0 {
		p.Add("record_id", "must not be negative")
	}
	if len(e.Details) > 0 && !json.Valid(e.Details) {
		p.Add("details", "must be JSON")
	}
	return p.Err("audit event")
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	RecordType string
	RecordID   int64
	ActorID    int64
	// Before is the cursor: only events with ID < Before are returned.
	Before int64
	Limit  int
}

// AuditService reads the audit log.
type AuditService interface {
	AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
}

// SystemActor is the actor label of writes made by the platform itself, such
// as imports from the command line and the demo loader.
func SystemActor(what string) *User {
	return &User{Name: "system:" + what, Email: "system:" + what, PlatformRole: PlatformAdmin}
}
