package httpapi_test

// callAuthzCases are the authorization matrix rows of the challenge-call routes.
func callAuthzCases() []authzCase { return nil }
