// Package generic parses JSON-lines and CSV logs that no dedicated parser covers, driven by
// a field mapping in the configuration (logs.formats.generic or an input's settings). It
// registers the "generic" format, which is never auto-detected: name it with --format
// generic or an input's format.
package generic
