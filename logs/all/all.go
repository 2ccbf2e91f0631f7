// Package all registers every log format: import it for its side effects.
package all

import (
	_ "github.com/borderwatch/borderwatch/logs/asa"  // Cisco ASA / FTD syslog
	_ "github.com/borderwatch/borderwatch/logs/okta" // Okta System Log
)
