// Package cloudtrail parses AWS CloudTrail sign-in records (eventSource signin.amazonaws.com:
// ConsoleLogin and its relatives): single records per line and the {"Records":[...]} files
// CloudTrail delivers (usually gzip). It registers the "cloudtrail" format.
package cloudtrail
