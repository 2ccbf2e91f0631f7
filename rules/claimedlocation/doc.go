// Package claimedlocation is the claimed_location rule: a successful login from a country other
// than the one the employee claims to work from, per the roster (rules.roster).
package claimedlocation
