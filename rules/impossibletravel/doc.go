// Package impossibletravel is the impossible_travel rule: consecutive successful logins of one
// user from places too far apart for the time between them, measured with the GeoIP accuracy
// radii taken off the distance, and the A→B→A round trip of a replayed session.
package impossibletravel
