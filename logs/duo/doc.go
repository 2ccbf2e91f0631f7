// Package duo parses Cisco Duo authentication logs (Admin API v2 /admin/v2/logs/authentication
// items, and v1 items): one object per line, arrays, and saved API responses
// ({"stat":"OK","response":{"authlogs":[...]}}). It registers the "duo" format.
package duo
