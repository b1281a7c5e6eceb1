package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if err := VerifyPassword("correct horse battery", h); err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if err := VerifyPassword("correct horse batterY", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v, want ErrMismatch", err)
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if err := VerifyPassword("pw", bad); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("hash %q: %v, want a format error", bad, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	personal := []string{"alice.tanaka@hoshizora-motors.example", "Alice Tanaka"}
	tests := []struct {
		pw   string
		want PasswordProblem
	}{
		{"short", PasswordTooShort},
		{"パスワード", PasswordTooShort},
		{strings.Repeat("x", 1025), PasswordTooLong},
		{"aaaaaaaaaa", PasswordRepetitive},
		{"ZZZZZZZZZZZZZZZZ", PasswordRepetitive},
		{"1212121212", PasswordRepetitive},
		{"abcabcabcabc", PasswordRepetitive},
		{"aaaaabbbbb", PasswordRepetitive},
		{"ああああああああああ", PasswordRepetitive},
		{"1234567890", PasswordSequence},
		{"0987654321", PasswordSequence},
		{"abcdefghij", PasswordSequence},
		{"qwertyuiop", PasswordSequence},
		{"QWERTY123456", PasswordSequence},
		{"1qaz2wsx3edc", PasswordSequence},
		{"asdfghjkl;", PasswordSequence},
		{"zyxwvutsrq", PasswordSequence},
		{"abc123456789", PasswordSequence},
		{"!@#$%^&*()", PasswordSequence},
		{"１２３４５６７８９０", PasswordSequence}, // full-width digits
		{"password123", PasswordCommon},
		{"Password1!", PasswordCommon},
		{"P@ssw0rd2024", PasswordCommon},
		{"iloveyou12", PasswordCommon},
		{"sunshine1234", PasswordCommon},
		{"dragon1985!", PasswordCommon},
		{"letmein!!!", PasswordCommon},
		{"administrator", PasswordCommon},
		{"passwordpassword", PasswordCommon},
		{"correct horse battery staple", PasswordCommon},
		{"welcome2kakehashi", PasswordPersonal},
		{"kakehashi2026", PasswordPersonal},
		{"Kakehashi-demo", PasswordPersonal},
		{"alice.tanaka", PasswordPersonal},
		{"tanaka123456", PasswordPersonal},
		{"hoshizora-motors", PasswordPersonal},
		{"AliceTanaka1", PasswordPersonal},
		{"long enough pw", ""},
		{"correct horse battery", ""},
		{"password of target", ""},
		{"a brand new password", ""},
		{"Tr0ub4dor&3x", ""},
		{"tsukiyo no kawa 42", ""},
		{"パスワードは十文字以上", ""},
		{"zq8#Lm2!vR", ""},
		{"monkey dragon river", ""}, // several words are a passphrase
	}
	for _, tc := range tests {
		if got := CheckPassword(tc.pw, personal...); got != tc.want {
			t.Errorf("CheckPassword(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	for _, p := range []PasswordProblem{PasswordTooShort, PasswordTooLong, PasswordCommon, PasswordRepetitive, PasswordSequence, PasswordPersonal} {
		if m := p.Message(); m == "" || m == string(p) {
			t.Errorf("%s has no message", p)
		}
	}
	// Without personal details, a name is just letters.
	if got := CheckPassword("alice-tanaka-7"); got != "" {
		t.Errorf("CheckPassword without personal details = %q", got)
	}
}

func TestCommonPasswordList(t *testing.T) {
	list := commonPasswords()
	if n := len(list.exact); n < 900 {
		t.Errorf("the common password list has %d entries, want about a thousand", n)
	}
	for _, pw := range []string{"123456", "password", "qwerty", "iloveyou", "sakura", "doraemon", "trustno1"} {
		if !list.exact[pw] {
			t.Errorf("%q missing from the common password list", pw)
		}
	}
}

func TestToken(t *testing.T) {
	a, _ := NewToken("kkt_")
	b, _ := NewToken("kkt_")
	if a == b || !strings.HasPrefix(a, "kkt_") || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if string(HashToken(a)) == string(HashToken(b)) || len(HashToken(a)) != 32 {
		t.Fatal("token hashes")
	}
}

func TestFeedToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := FeedToken(secret, 42, 0)
	if id, ok := FeedTokenUser(tok + ".atom"); !ok || id != 42 {
		t.Fatalf("FeedTokenUser(%q) = %d, %v", tok, id, ok)
	}
	if !CheckFeedToken(secret, tok+".atom", 42, 0) || !CheckFeedToken(secret, tok, 42, 0) {
		t.Fatalf("token %q not accepted for its user", tok)
	}
	for _, bad := range []string{"", "42", "42-", "43" + tok[2:], tok + "x", "-" + tok} {
		if id, ok := FeedTokenUser(bad); ok && CheckFeedToken(secret, bad, id, 0) {
			t.Errorf("forged token %q accepted", bad)
		}
	}
	if CheckFeedToken([]byte("another secret, another feed set"), tok, 42, 0) {
		t.Error("a token survived a new secret")
	}
	// Rotation: each generation has its own token, and only the current
	// one is accepted.
	next := FeedToken(secret, 42, 1)
	if next == tok || CheckFeedToken(secret, tok, 42, 1) || !CheckFeedToken(secret, next, 42, 1) || CheckFeedToken(secret, next, 42, 2) {
		t.Errorf("generations: %q and %q not told apart", tok, next)
	}
	// Generation 0 keeps the tokens derived before rotation existed.
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("feed:42"))
	if legacy := "42-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18]); legacy != tok {
		t.Errorf("generation 0 token %q, want the earlier %q", tok, legacy)
	}
}

func TestDummyHash(t *testing.T) {
	h := DummyHash(fast)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("dummy hash %q: want the given cost", h)
	}
	for _, pw := range []string{"", "password", "timing-equaliser"} {
		if err := VerifyPassword(pw, h); !errors.Is(err, ErrMismatch) {
			t.Errorf("VerifyPassword(%q, dummy) = %v, want ErrMismatch", pw, err)
		}
	}
}
