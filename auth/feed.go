package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// FeedSecretName names the server secret that feed tokens derive from.
const FeedSecretName = "atom-feed"

// FeedToken derives the token in a user's Atom feed address: a feed reader
// has no session, so the address itself is the credential. It is derived
// rather than stored, from the server secret, the user and the generation
// of their address: the user rotates their address by moving to the next
// generation (the old address then no longer matches), and rotating the
// secret revokes every feed at once. Generation 0 derives the tokens made
// before addresses could be rotated, so that those keep working.
func FeedToken(secret []byte, userID, generation int64) string {
	id := strconv.FormatInt(userID, 10)
	msg := "feed:" + id
	if generation != 0 {
		msg += ":" + strconv.FormatInt(generation, 10)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(msg))
	return id + "-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// FeedTokenUser reads which user a feed token (with or without its ".atom"
// suffix) claims to stand for, without checking it: the caller looks up
// the user's generation and checks the token with CheckFeedToken.
func FeedTokenUser(token string) (int64, bool) {
	id, _, ok := strings.Cut(strings.TrimSuffix(token, ".atom"), "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// CheckFeedToken reports whether token (with or without its ".atom"
// suffix) is the current feed token of user userID, whose address is in
// its generation-th version.
func CheckFeedToken(secret []byte, token string, userID, generation int64) bool {
	return hmac.Equal([]byte(FeedToken(secret, userID, generation)), []byte(strings.TrimSuffix(token, ".atom")))
}
