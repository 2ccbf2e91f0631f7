// Package all registers every log format: import it for its side effects.
package all
