package rules

import (
	"fmt"
	"strings"
)

// Severity is an alert's graded severity. Its numeric value is the ECS event.severity that
// borderwatch writes: 21 low, 47 medium, 73 high, 99 critical (the Elastic detection-rule scale).
// The zero value means "not set".
type Severity int

// Severities, ordered.
const (
	Low      Severity = 21
	Medium   Severity = 47
	High     Severity = 73
	Critical Severity = 99
)

func (s Severity) String() string {
	switch {
	case s == 0:
		return ""
	case s >= Critical:
		return "critical"
	case s >= High:
		return "high"
	case s >= Medium:
		return "medium"
	default:
		return "low"
	}
}

// ParseSeverity reads low, medium, high or critical (any case). The empty string is 0.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return 0, nil
	case "low":
		return Low, nil
	case "medium":
		return Medium, nil
	case "high":
		return High, nil
	case "critical":
		return Critical, nil
	}
	return 0, fmt.Errorf("severity %q is not known: use low, medium, high or critical", s)
}

// SeverityForScore maps a 0-100 risk score to a severity: ≥ 90 critical, ≥ 70 high,
// ≥ 40 medium, otherwise low.
func SeverityForScore(score float64) Severity {
	switch {
	case score >= 90:
		return Critical
	case score >= 70:
		return High
	case score >= 40:
		return Medium
	default:
		return Low
	}
}

// Raise returns s moved up by n steps (low → medium → high → critical), capped at critical.
func (s Severity) Raise(n int) Severity {
	steps := []Severity{Low, Medium, High, Critical}
	i := 0
	for j, x := range steps {
		if s >= x {
			i = j
		}
	}
	i += n
	if i >= len(steps) {
		i = len(steps) - 1
	}
	if i < 0 {
		i = 0
	}
	return steps[i]
}
