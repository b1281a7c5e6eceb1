package kakehashi

import (
	"context"
	"time"
)

// Outbox channels: how a queued OutboxMessage leaves the platform.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// OutboxMessage is one outgoing e-mail or webhook call waiting in the
// outbox. The store writes it in the same transaction as the change it
// reports, so that nothing is lost while a relay or a receiver is down; a
// deliverer (package notify) claims and sends it.
type OutboxMessage struct {
	ID      int64
	Channel string
	// Recipient is an e-mail address, or a webhook's id.
	Recipient string
	// Subject and Body are an e-mail's; Link is relative to the site
	// (e.g. /introductions/7) and made absolute when sent.
	Subject, Body, Link string
	// Event names what happened; Payload is a webhook's JSON body.
	Event     string
	Payload   string
	Attempts  int
	CreatedAt time.Time
	// Webhook is the target of a webhook message, nil if it was removed.
	Webhook *Webhook
	// Claim identifies the lease under which the message was claimed.
	Claim string
}

// OutboxAttempt is the outcome of one try at sending an OutboxMessage, as
// the deliverer reports it to the store.
type OutboxAttempt struct {
	At time.Time
	OK bool
	// Status is the HTTP status of a webhook call (0 on a network error).
	Status int
	Detail string
	// NextAttemptAt is when to try again after a failure; GiveUp marks the
	// message failed for good instead.
	NextAttemptAt time.Time
	GiveUp        bool
}

// Delivery is one logged attempt at an outbox message, as the API and the
// pages show it to a webhook's owners.
type Delivery struct {
	ID       int64     `json:"id"`
	OutboxID int64     `json:"outbox_id"`
	Event    string    `json:"event"`
	Attempt  int       `json:"attempt"`
	At       time.Time `json:"at"`
	OK       bool      `json:"ok"`
	Status   int       `json:"status,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Alert is a user's standing request to hear about new seeds that match one
// of the needs they may see.
type Alert struct {
	ID        int64 `json:"id"`
	UserID    int64 `json:"user_id"`
	ListingID int64 `json:"listing_id"`
	// LastSeq is the highest listing id already considered.
	LastSeq   int64     `json:"last_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// AlertMatcher finds the seeds that match a need for viewer. The store's
// alert check only calls it, so that the store does not depend on the
// search engine; notify.SeedMatcher implements it with package search.
type AlertMatcher interface {
	MatchingSeeds(ctx context.Context, need *Listing, viewer *User) ([]int64, error)
}
