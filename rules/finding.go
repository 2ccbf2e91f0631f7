package rules

import (
	"time"

	"github.com/borderwatch/borderwatch"
)

// Finding is what a rule reports; the engine applies allowlists and suppression and turns it
// into an alert document. Only Event is required.
type Finding struct {
	Event    *borderwatch.Event // the triggering event; its user, source, destination and network are copied
	Key      string             // suppression key, e.g. "alice" or "10.1.2.3|teamviewer"; "" = the user or source IP
	Severity Severity           // 0: derived from Score, or the rule's default
	Score    float64            // risk score 0-100; 0: derived from Severity
	Message  string             // one sentence an analyst understands
	Reasons  []string           // why, each a short phrase with the numbers
	Refs     []string           // document ids of other events behind the finding (the trigger's is added)
	// Evidence copied to borderwatch.alert.
	Countries    []string
	Users        []string
	Matched      []string
	DistanceKm   float64
	SpeedKmh     float64
	Previous     *borderwatch.Endpoint
	PreviousTime time.Time
}
