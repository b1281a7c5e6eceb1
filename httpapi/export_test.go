package httpapi

// SetPasswordVerifier replaces how s checks a password against a hash, so
// that a test can count the (costly) checks a sign-in makes.
func SetPasswordVerifier(s *Server, verify func(password, hash string) error) { s.verify = verify }
