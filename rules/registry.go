package rules

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Definition describes one kind of rule. Rules register a Definition in init with Register.
type Definition struct {
	Name        string   // registry and configuration name, e.g. "impossible_travel"
	ID          string   // stable rule.id, e.g. "bw-travel-001"
	Description string   // rule.description: one sentence
	Version     string   // rule.version; bump when the logic changes
	Category    string   // rule.category, e.g. "location", "anonymizer", "remote_access"
	Severity    Severity // severity when a finding does not grade itself
	// Suppression is the default window per (rule, key); 0 disables suppression.
	Suppression time.Duration
	// Enabled says whether the rule runs when the configuration does not mention it.
	Enabled bool
	Threat  *borderwatch.Threat // ATT&CK mapping copied to every alert, or nil
	// Params returns a pointer to a new settings struct filled with the defaults; its fields
	// carry yaml tags. If the struct has a `Validate() error` method it is called after the
	// user's settings are applied. Nil for a rule without settings.
	Params func() any
	// New builds the rule from its environment and its settings (the value Params returned,
	// with the user's settings applied).
	New func(env Env, params any) (Detector, error)
}

// Env is what the engine gives every rule it builds.
type Env struct {
	Log     *slog.Logger
	Watched CountrySet // the watched countries (rules.watched_countries)
	Roster  *Roster    // claimed locations and timezones; nil when no roster is configured
	// TTL and MaxEntries bound every per-user or per-IP table a rule keeps (rules.state).
	TTL        time.Duration
	MaxEntries int
	// Subjects is the per-user record table the per-user rules share (one lookup per event
	// for all of them). A rule built with a nil Subjects makes its own.
	Subjects *Subjects
}

// Detector is one configured rule. Evaluate is called for every event, in input order, from one
// goroutine; it reports what it finds through emit and must not keep ev past the call unless it
// copies what it needs (findings may keep ev: the engine copies from it at once).
type Detector interface {
	Evaluate(ev *borderwatch.Event, emit func(Finding))
}

// FlushingDetector is implemented by rules that hold events back (reordering, aggregation):
// Flush is called once at the end of input and reports what is still pending.
type FlushingDetector interface {
	Detector
	Flush(emit func(Finding))
}

// StatefulDetector is implemented by rules that keep baselines across runs. The engine calls
// LoadState once after New with the rule's bucket in the state store, and SaveState at the end
// of a run (and periodically), which replaces the bucket's contents.
type StatefulDetector interface {
	Detector
	LoadState(each func(fn func(key string, value []byte) error) error) error
	SaveState(put func(key string, value []byte, expires time.Time) error) error
}

// TableCounter is implemented by rules that keep tables: the engine reports their sizes and
// drop counters in Stats.
type TableCounter interface {
	TableCounts() TableCounts
}

var (
	regMu sync.RWMutex
	reg   = map[string]Definition{}
)

// Register adds a rule definition. It panics on a duplicate or incomplete definition; call it
// from init.
func Register(d Definition) {
	regMu.Lock()
	defer regMu.Unlock()
	if d.Name == "" || d.ID == "" || d.New == nil || d.Severity == 0 {
		panic("rules: incomplete rule registration: " + d.Name)
	}
	if _, dup := reg[d.Name]; dup {
		panic("rules: rule registered twice: " + d.Name)
	}
	reg[d.Name] = d
}

// Lookup returns the definition registered under name.
func Lookup(name string) (Definition, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	d, ok := reg[name]
	return d, ok
}

// Definitions returns every registered definition sorted by name.
func Definitions() []Definition {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]Definition, 0, len(reg))
	for _, d := range reg {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered rule names, sorted.
func Names() []string {
	defs := Definitions()
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.Name
	}
	return out
}
