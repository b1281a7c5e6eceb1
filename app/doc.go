// Package app holds the application logic the two HTTP adapters share: the
// JSON API (httpapi) and the server-rendered pages (web) translate requests
// into calls here and the results back, so that a rule such as who sees
// which participant, or how a KPI query becomes a store filter, lives in one
// place and neither adapter imports the other. It depends on the root
// package and on the encoders (ical) only.
package app
