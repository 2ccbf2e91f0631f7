// Package sharedsource is the shared_source rule: several distinct users with successful logins
// from one address, or from one residential /24, within a window: a laptop farm or one operator
// working several identities.
package sharedsource
