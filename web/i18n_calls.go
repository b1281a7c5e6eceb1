package web

// callMessages are the interface strings of the challenge calls pages, in English and
// Japanese.
var callMessages = map[string][2]string{}
