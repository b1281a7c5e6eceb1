package httpapi_test

// eventAuthzCases are the authorization matrix rows of the event routes.
func eventAuthzCases() []authzCase { return nil }
