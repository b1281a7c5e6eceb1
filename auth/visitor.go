package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"
)

// FairViewsSecret names the server secret that keys the fair visitors'
// hashes.
const FairViewsSecret = "fair-views"

// ClientIP is the address a request came from: the one the server resolved
// behind its trusted proxies (NewContextWithClientIP), else the TCP peer,
// without its port.
func ClientIP(r *http.Request) string {
	if ip := ClientIPFromContext(r.Context()); ip != "" {
		return ip
	}
	return Proxies(nil).ClientIP(r)
}

// VisitorDay is the day (UTC, YYYY-MM-DD) a fair view at t counts for.
func VisitorDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// VisitorHash identifies a fair visitor for one day without storing who
// they are: HMAC-SHA256 under the server secret of address, user agent and
// day. The next day the same visitor hashes differently, so visits cannot
// be followed across days either.
func VisitorHash(secret []byte, ip, userAgent, day string) string {
	m := hmac.New(sha256.New, secret)
	io.WriteString(m, ip+"|"+userAgent+"|"+day)
	return hex.EncodeToString(m.Sum(nil))
}
