// Package okta parses the Okta System Log (LogEvent objects): NDJSON exports, JSON arrays and
// the pages of GET /api/v1/logs. It registers the "okta" format.
package okta
