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
// has no session, so the address itself is the credential. Derived rather
// than stored, so that rotating the secret revokes every feed at once.
func FeedToken(secret []byte, userID int64) string {
	id := strconv.FormatInt(userID, 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("feed:" + id))
	return id + "-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// FeedUser checks a feed token (with or without its ".atom" suffix) and
// returns the user it stands for.
func FeedUser(secret []byte, token string) (int64, bool) {
	token = strings.TrimSuffix(token, ".atom")
	id, _, ok := strings.Cut(token, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, false
	}
	return n, hmac.Equal([]byte(FeedToken(secret, n)), []byte(token))
}
