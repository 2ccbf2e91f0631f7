package offhours

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "off_hours",
		ID:          "bw-off-hours-001",
		Description: "A user's logins concentrated outside the working day of their claimed (or observed) timezone, against their hour-of-week profile.",
		Version:     "1.0.0",
		Category:    "behaviour",
		Severity:    rules.Medium,
		Suppression: 7 * 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0001", "Initial Access", "T1078", "Valid Accounts"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	WorkStart      int  `yaml:"work_start"`       // local hour the working day starts (0-23)
	WorkEnd        int  `yaml:"work_end"`         // local hour it ends (1-24)
	WeekendsAreOff bool `yaml:"weekends_are_off"` // Saturday and Sunday count as off hours
	// Alert when, within Window, at least MinOffLogins logins fell outside the working day and
	// they were at least MinFraction of all logins.
	Window       time.Duration `yaml:"window"`
	MinOffLogins int           `yaml:"min_off_logins"`
	MinFraction  float64       `yaml:"min_fraction"`
	// Profile: a slot (hour of week) is normal for a user when active on at least
	// ProfileMinDays distinct days within ProfileDays; the profile is trusted after ProfileAge.
	ProfileMinDays int           `yaml:"profile_min_days"`
	ProfileDays    int           `yaml:"profile_days"`
	ProfileAge     time.Duration `yaml:"profile_age"`
	// SuspectOffsets are UTC offsets (hours) whose working day the activity may be centred
	// on: +8 (China) and +9 (Korea) by default.
	SuspectOffsets []float64 `yaml:"suspect_offsets"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{WorkStart: 7, WorkEnd: 20, WeekendsAreOff: true, Window: 7 * 24 * time.Hour, MinOffLogins: 5,
		MinFraction: 0.6, ProfileMinDays: 3, ProfileDays: 90, ProfileAge: 14 * 24 * time.Hour, SuspectOffsets: []float64{8, 9}}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	switch {
	case p.WorkStart < 0 || p.WorkStart > 23 || p.WorkEnd < 1 || p.WorkEnd > 24 || p.WorkEnd <= p.WorkStart:
		return fmt.Errorf("need 0 <= work_start < work_end <= 24, e.g. 7 and 20")
	case p.Window < 24*time.Hour || p.Window > 7*24*time.Hour:
		return fmt.Errorf("window must be between 24h and 168h, e.g. 168h")
	case p.MinOffLogins < 1 || p.MinFraction <= 0 || p.MinFraction > 1:
		return fmt.Errorf("need min_off_logins >= 1 and 0 < min_fraction <= 1, e.g. 5 and 0.6")
	case p.ProfileMinDays < 1 || p.ProfileDays < 7 || p.ProfileDays > 65535:
		return fmt.Errorf("need profile_min_days >= 1 and profile_days >= 7, e.g. 3 and 90")
	}
	return nil
}

type slot struct {
	Days uint8  `json:"d"` // distinct days active (saturating)
	Last uint16 `json:"l"` // day number (days since 1970) of the latest activity
}

type day struct {
	Day   int32  `json:"day"`
	Total uint16 `json:"n"`
	Off   uint16 `json:"off"`
}

// slots is the hour-of-week profile; it is stored sparsely as [[index, days, last day], ...].
type slots [168]slot

// MarshalJSON writes the non-empty slots only.
func (s *slots) MarshalJSON() ([]byte, error) {
	buf := []byte{'['}
	for i, x := range s {
		if x.Days == 0 {
			continue
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, "[%d,%d,%d]", i, x.Days, x.Last)
	}
	return append(buf, ']'), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *slots) UnmarshalJSON(b []byte) error {
	var xs [][3]int
	if err := json.Unmarshal(b, &xs); err != nil {
		return err
	}
	*s = slots{}
	for _, x := range xs {
		if x[0] < 0 || x[0] >= len(s) || x[1] < 0 || x[1] > 255 || x[2] < 0 || x[2] > 65535 {
			return fmt.Errorf("off_hours: bad slot %v", x)
		}
		s[x[0]] = slot{Days: uint8(x[1]), Last: uint16(x[2])}
	}
	return nil
}

// userState is laid out for a login's reads: First, Week and UTC are next to each other (and
// to the table's own header) in the first cache lines, the 168 slots after them.
type userState struct {
	First time.Time
	Week  [7]day     // ring by day number
	UTC   [24]uint32 // logins per UTC hour (for the centre of activity)
	Slots slots
}

// savedState is userState as saved, its fields in the order the state file has always had.
type savedState struct {
	First time.Time  `json:"first"`
	Slots *slots     `json:"slots"`
	Week  [7]day     `json:"week"`
	UTC   [24]uint32 `json:"utc"`
}

// MarshalJSON writes the state as savedState.
func (st *userState) MarshalJSON() ([]byte, error) {
	return json.Marshal(savedState{First: st.First, Slots: &st.Slots, Week: st.Week, UTC: st.UTC})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (st *userState) UnmarshalJSON(b []byte) error {
	var sv savedState
	sv.Slots = &st.Slots
	if err := json.Unmarshal(b, &sv); err != nil {
		return err
	}
	st.First, st.Week, st.UTC = sv.First, sv.Week, sv.UTC
	return nil
}

// Rule is the configured off_hours rule. Not safe for concurrent use.
type Rule struct {
	p      Params
	roster *rules.Roster
	users  *rules.Slot[userState]
	tzs    map[string]*time.Location
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	return &Rule{p: p, roster: env.Roster, users: rules.NewSlot[userState](subjects(env)), tzs: map[string]*time.Location{}}
}

func (r *Rule) location(name string) *time.Location {
	if name == "" {
		return nil
	}
	if l, ok := r.tzs[name]; ok {
		return l
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = nil
	}
	if len(r.tzs) < 1024 {
		r.tzs[name] = l
	}
	return l
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsSuccessfulLogin(ev) {
		return
	}
	user := r.users.Subjects().Key(ev)
	if user == "" {
		return
	}
	var loc *time.Location
	claimed := false
	if e, ok := r.roster.Lookup(user); ok && e.Timezone != nil {
		loc, claimed = e.Timezone, true
	} else if g := ev.Source.Geo; g != nil {
		loc = r.location(g.Timezone)
	}
	if loc == nil {
		return // no timezone to judge the hour by
	}
	t := ev.Timestamp
	st := r.users.Upsert(ev, t)
	if st.First.IsZero() || t.Before(st.First) {
		st.First = t
	}
	local := t.In(loc)
	h := local.Hour()
	wd := local.Weekday()
	off := h < r.p.WorkStart || h >= r.p.WorkEnd || r.p.WeekendsAreOff && (wd == time.Saturday || wd == time.Sunday)
	dayNum := int32(t.Unix() / 86400)

	// Profile slot, judged before this login is added.
	si := int(wd)*24 + h
	s := &st.Slots[si]
	normal := int(s.Days) >= r.p.ProfileMinDays && int(dayNum)-int(s.Last) <= r.p.ProfileDays
	if int32(s.Last) != dayNum {
		if int(dayNum)-int(s.Last) > r.p.ProfileDays {
			s.Days = 0
		}
		if s.Days < 255 {
			s.Days++
		}
		s.Last = uint16(dayNum)
	}
	st.UTC[t.Hour()]++
	d := &st.Week[dayNum%7]
	if d.Day != dayNum {
		*d = day{Day: dayNum}
	}
	d.Total++
	if off {
		d.Off++
	}
	if !off {
		return
	}
	days := int32(r.p.Window / (24 * time.Hour))
	var total, offN int
	for _, x := range st.Week {
		if x.Day > dayNum-days && x.Day <= dayNum {
			total += int(x.Total)
			offN += int(x.Off)
		}
	}
	frac := float64(offN) / float64(total)
	if offN < r.p.MinOffLogins || frac < r.p.MinFraction {
		return
	}
	trusted := t.Sub(st.First) >= r.p.ProfileAge
	if !claimed && trusted && normal {
		return // this user has long worked at this hour: their normal, not a claim broken
	}
	zone := "observed"
	if claimed {
		zone = "claimed"
	}
	reasons := []string{
		fmt.Sprintf("%d of %d logins in the last %d days fell outside %02d:00-%02d:00 %s (%s timezone)", offN, total, days, r.p.WorkStart, r.p.WorkEnd, loc, zone),
		fmt.Sprintf("this login at %s local time", local.Format("Mon 15:04")),
	}
	score := 50.0
	if claimed {
		score = 60
	}
	if trusted && !normal {
		reasons = append(reasons, "the hour is not part of this user's profile")
		score += 5
	}
	if off, ok := r.centre(st, trusted || claimed); ok {
		reasons = append(reasons, fmt.Sprintf("activity is centred on the working day of UTC%+g", off))
		score += 15
	}
	emit(rules.Finding{
		Event: ev, Key: user, Score: score,
		Message: fmt.Sprintf("%s works at night for their %s timezone %s: %d of %d logins in %d days outside %02d:00-%02d:00, this one at %s.",
			rules.DisplayUser(ev), zone, loc, offN, total, days, r.p.WorkStart, r.p.WorkEnd, local.Format("Mon 15:04")),
		Reasons: reasons, Users: []string{rules.DisplayUser(ev)}, Matched: []string{zone + "_timezone:" + loc.String()},
	})
}

// centre estimates the UTC offset whose 13:00 is the middle of the user's activity and reports
// it when it is one of the suspect offsets (±1 h).
func (r *Rule) centre(st *userState, enough bool) (float64, bool) {
	var x, y, n float64
	for h, c := range st.UTC {
		a := float64(h) / 24 * 2 * math.Pi
		x += float64(c) * math.Cos(a)
		y += float64(c) * math.Sin(a)
		n += float64(c)
	}
	if !enough || n < 10 || math.Hypot(x, y)/n < 0.3 {
		return 0, false // too few logins, or spread around the clock
	}
	mean := math.Atan2(y, x) / (2 * math.Pi) * 24
	off := math.Mod(13-mean+48, 24)
	if off > 14 {
		off -= 24
	}
	for _, s := range r.p.SuspectOffsets {
		if math.Abs(off-s) <= 1 {
			return s, true
		}
	}
	return 0, false
}

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.users.Load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.users.Save("", put)
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.users.Counts() }

func subjects(env rules.Env) *rules.Subjects {
	if env.Subjects != nil {
		return env.Subjects
	}
	return rules.NewSubjects(env.MaxEntries, env.TTL)
}
