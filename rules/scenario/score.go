package scenario

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// Result scores alerts against a scenario's labels.
type Result struct {
	Expected, Detected int            // (case, rule, subject) triples planted and found
	Missed             []string       // "case/rule/subject" not found
	BenignAlerts       map[string]int // alerts naming only benign subjects, per rule
	Unexplained        map[string]int // of those, alerts on subjects the rule is not meant to report
	BenignUsersAlerted map[string]int // distinct benign subjects alerted, per rule
	PlantedAlerts      int            // alerts naming at least one planted subject
	Total              int
}

// Recall is Detected / Expected.
func (r Result) Recall() float64 {
	if r.Expected == 0 {
		return 0
	}
	return float64(r.Detected) / float64(r.Expected)
}

// BenignTotal is the number of alerts on the benign population.
func (r Result) BenignTotal() int {
	n := 0
	for _, v := range r.BenignAlerts {
		n += v
	}
	return n
}

// subjects are the users and hosts an alert names.
func subjects(a *borderwatch.Event) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(a.User.Name)
	for _, u := range a.Borderwatch.Alert.Users {
		add(u)
	}
	if a.Source.IP.IsValid() {
		add(a.Source.IP.String())
	}
	if a.Destination.IP.IsValid() {
		add(a.Destination.IP.String())
	}
	return out
}

// Score compares alerts with the scenario's planted cases and benign population. Every planted
// subject must get an alert from each of its case's rules (a subject-level recall, so a farm of
// four identities is four detections to make).
func (s *Scenario) Score(alerts []*borderwatch.Event) Result {
	res := Result{BenignAlerts: map[string]int{}, Unexplained: map[string]int{}, BenignUsersAlerted: map[string]int{}, Total: len(alerts)}
	fired := map[string]bool{} // rule|subject
	benignSeen := map[string]bool{}
	for _, a := range alerts {
		subs := subjects(a)
		planted := false
		for _, sub := range subs {
			fired[a.Rule.Name+"|"+sub] = true
			if !s.Benign[sub] && s.isPlanted(sub) {
				planted = true
			}
		}
		if planted {
			res.PlantedAlerts++
			continue
		}
		res.BenignAlerts[a.Rule.Name]++
		if !slices.ContainsFunc(subs, func(s0 string) bool { return slices.Contains(s.Explained[a.Rule.Name], s0) }) {
			res.Unexplained[a.Rule.Name]++
		}
		for _, sub := range subs {
			if s.Benign[sub] && !benignSeen[a.Rule.Name+"|"+sub] {
				benignSeen[a.Rule.Name+"|"+sub] = true
				res.BenignUsersAlerted[a.Rule.Name]++
			}
		}
	}
	for _, c := range s.Cases {
		for _, r := range c.Rules {
			for _, sub := range c.Subjects {
				res.Expected++
				if fired[r+"|"+sub] {
					res.Detected++
				} else {
					res.Missed = append(res.Missed, c.ID+"/"+r+"/"+sub)
				}
			}
		}
	}
	return res
}

func (s *Scenario) isPlanted(sub string) bool {
	for _, c := range s.Cases {
		if slices.Contains(c.Subjects, sub) {
			return true
		}
	}
	return false
}

// Report renders the result for humans.
func (r Result) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recall %d/%d = %.1f%%; %d alerts in all, %d on planted subjects, %d on the benign population\n",
		r.Detected, r.Expected, 100*r.Recall(), r.Total, r.PlantedAlerts, r.BenignTotal())
	rules := make([]string, 0, len(r.BenignAlerts))
	for k := range r.BenignAlerts {
		rules = append(rules, k)
	}
	sort.Strings(rules)
	for _, k := range rules {
		fmt.Fprintf(&b, "  benign %-20s %4d alerts, %3d distinct users/hosts, %d unexplained\n", k, r.BenignAlerts[k], r.BenignUsersAlerted[k], r.Unexplained[k])
	}
	for _, m := range r.Missed {
		fmt.Fprintf(&b, "  missed %s\n", m)
	}
	return b.String()
}
