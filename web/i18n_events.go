package web

// eventMessages are the interface strings of the business-matching events pages, in English and
// Japanese.
var eventMessages = map[string][2]string{}
