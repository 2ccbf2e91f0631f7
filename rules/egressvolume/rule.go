package egressvolume

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "egress_volume",
		ID:          "bw-egress-volume-001",
		Description: "An internal host sent more than a threshold in one day to watched countries or anonymizers.",
		Version:     "1.0.0",
		Category:    "exfiltration",
		Severity:    rules.Medium,
		Suppression: 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0010", "Exfiltration", "T1041", "Exfiltration Over C2 Channel"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	ThresholdBytes uint64   `yaml:"threshold_bytes"` // per host per UTC day
	Categories     []string `yaml:"categories"`      // destination categories that count (besides watched countries)
	MaxFlows       int      `yaml:"max_flows"`       // flows remembered to turn cumulative reports into deltas
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{ThresholdBytes: 500_000_000, Categories: []string{"vpn", "proxy", "tor", "residential_proxy", "anonymous"}, MaxFlows: 200_000}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	if p.ThresholdBytes == 0 || p.MaxFlows < 1 {
		return fmt.Errorf("threshold_bytes and max_flows must be > 0, e.g. 500000000 and 200000")
	}
	return nil
}

type hostDay struct {
	Day   int64             `json:"day"`
	Bytes uint64            `json:"bytes"`
	Peers map[string]uint64 `json:"peers"` // by country or category
	Level int               `json:"level"` // 0 none, 1 over threshold, 2 over 10x
}

// Rule is the configured egress_volume rule. Not safe for concurrent use.
type Rule struct {
	p       Params
	watched rules.CountrySet
	hosts   *rules.Table[hostDay]
	flows   *rules.Table[uint64] // bytes already counted per flow (reports may be cumulative)
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	return &Rule{p: p, watched: env.Watched, hosts: rules.NewTable[hostDay](env.MaxEntries, 48*time.Hour),
		flows: rules.NewTable[uint64](p.MaxFlows, 48*time.Hour)}
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsNetwork(ev) {
		return
	}
	side := rules.InternalSide(ev)
	var host, peer *borderwatch.Endpoint
	var out uint64
	switch side {
	case "source":
		host, peer, out = &ev.Source, &ev.Destination, ev.Source.Bytes
	case "destination":
		host, peer, out = &ev.Destination, &ev.Source, ev.Destination.Bytes
	default:
		return
	}
	label := ""
	if c := rules.Country(peer); r.watched.Has(c) {
		label = c
	} else if in := rules.Intel(ev, side == "destination"); in != nil {
		for _, c := range r.p.Categories {
			if rules.HasCategory(in, c) {
				label = c
				break
			}
		}
	}
	if label == "" || out == 0 {
		return
	}
	// Periodic flow reports carry running totals: count only what is new.
	if fk := ev.Network.CommunityID; fk != "" && ev.Borderwatch.Flow != nil {
		fk += "|" + ev.Event.Start.Format(time.RFC3339Nano)
		prev := r.flows.Upsert(fk, ev.Timestamp)
		delta := out
		if *prev <= out {
			delta = out - *prev
		}
		*prev = out
		out = delta
		if out == 0 {
			return
		}
	}
	day := ev.Timestamp.Unix() / 86400
	hk := host.IP.String()
	st := r.hosts.Upsert(hk, ev.Timestamp)
	if st.Day != day {
		*st = hostDay{Day: day}
	}
	if st.Peers == nil {
		st.Peers = map[string]uint64{}
	}
	st.Bytes += out
	st.Peers[label] += out
	level := 0
	switch {
	case st.Bytes >= 10*r.p.ThresholdBytes:
		level = 2
	case st.Bytes >= r.p.ThresholdBytes:
		level = 1
	}
	if level <= st.Level {
		return
	}
	st.Level = level
	score := 55.0
	if level == 2 {
		score = 75
	}
	var parts, countries []string
	labels := make([]string, 0, len(st.Peers))
	for l := range st.Peers {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	watched := false
	for _, l := range labels {
		parts = append(parts, fmt.Sprintf("%s %s", l, rules.HumanBytes(st.Peers[l])))
		if len(l) == 2 && strings.ToUpper(l) == l {
			countries = append(countries, l)
			watched = true
		}
	}
	if watched {
		score += 15
	}
	date := time.Unix(day*86400, 0).UTC().Format("2006-01-02")
	emit(rules.Finding{
		Event: ev, Key: hk + "|" + date, Score: score,
		Message: fmt.Sprintf("Internal host %s sent %s on %s to watched countries or anonymizers (%s), latest to %s.",
			hk, rules.HumanBytes(st.Bytes), date, strings.Join(parts, ", "), rules.DescribeEndpoint(peer)),
		Reasons: []string{fmt.Sprintf("%s sent in one UTC day (threshold %s)", rules.HumanBytes(st.Bytes), rules.HumanBytes(r.p.ThresholdBytes)),
			"by destination: " + strings.Join(parts, ", ")},
		Countries: countries, Matched: prefixed(labels),
	})
}

func prefixed(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "egress:" + x
	}
	return out
}

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.hosts.Load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.hosts.Save("", put)
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.hosts.Counts().Add(r.flows.Counts()) }
