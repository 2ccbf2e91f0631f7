// Package newcountry is the new_country rule: a user's first successful login from a country
// that is absent from an established baseline of where that user logs in from.
package newcountry
