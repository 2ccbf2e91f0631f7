// Package watchedcountry is the watched_country rule: logins from, and sessions between internal
// hosts and, the watched countries (by default China, Russia and North Korea).
package watchedcountry
