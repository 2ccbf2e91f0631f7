package report

import (
	_ "embed"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/report/worldmap"
)

//go:embed report.html.tmpl
var htmlTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":  fmtTime,
	"short": func(t time.Time) string { return t.UTC().Format("01-02 15:04") },
	"dash":  dash,
	"join":  strings.Join,
	"bytes": fmtBytes,
	"km":    func(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', 0, 64) },
	"secs":  func(v float64) string { return (time.Duration(v) * time.Second).String() },
	"sev":   func(v *view, s string) int { return v.BySeverity[s] },
}).Parse(htmlTemplate))

// WriteHTML writes the report as one self-contained HTML page: inline CSS and SVG, no
// scripts, fonts or images fetched from anywhere.
func (r *Report) WriteHTML(w io.Writer) error {
	v := newView(r)
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

type view struct {
	*Report
	Severities []string
	ViewBox    string
	Countries  []mapCountry
	Dots       []mapDot
	Arcs       []mapArc
	Timelines  []timelineView
}

type mapCountry struct {
	ISO, Name, Path, Class, Title string
}

type mapDot struct {
	X, Y, R float64
	Class   string
	Title   string
}

type mapArc struct {
	D, Class, Title string
	FX, FY, TX, TY  float64
	FromLabel       string
	ToLabel         string
}

type timelineView struct {
	Timeline
	Width, Height float64
	Marks         []timelineMark
	StartLabel    string
	EndLabel      string
}

type timelineMark struct {
	X, Y    float64
	Class   string
	Color   string
	Title   string
	IsAlert bool
}

func newView(r *Report) *view {
	v := &view{Report: r, Severities: Severities,
		ViewBox: fmt.Sprintf("0 0 %g %g", worldmap.Width, math.Round(worldmap.Height))}
	seen := map[string]CountryCount{}
	for _, c := range r.TopCountries {
		seen[c.ISO] = c
	}
	watched := map[string]bool{}
	for _, w := range r.Watched {
		watched[w] = true
	}
	for _, c := range worldmap.Countries() {
		mc := mapCountry{ISO: c.ISO, Name: c.Name, Path: c.Path, Class: "c", Title: c.Name}
		if cc, ok := seen[c.ISO]; ok && cc.Events > 0 {
			mc.Class += " seen"
			mc.Title = fmt.Sprintf("%s: %d events, %d users, %d alerts", c.Name, cc.Events, cc.Users, cc.Alerts)
		}
		if watched[c.ISO] {
			mc.Class += " watched"
		}
		v.Countries = append(v.Countries, mc)
	}
	var maxCount uint64 = 1
	for _, l := range r.Locations {
		maxCount = max(maxCount, l.Count)
	}
	for _, l := range r.Locations {
		x, y := worldmap.Project(l.Lat, l.Lon)
		d := mapDot{X: round1(x), Y: round1(y), R: round1(3 + 7*math.Log1p(float64(l.Count))/math.Log1p(float64(maxCount))),
			Class: "dot " + l.Kind}
		if l.Alerted {
			d.Class += " alerted"
		}
		place := strings.Trim(l.City+", "+l.Country, ", ")
		d.Title = fmt.Sprintf("%s (%s): %d, users %s", place, l.Kind, l.Count, strings.Join(l.Users, ", "))
		v.Dots = append(v.Dots, d)
	}
	for _, t := range r.Travels {
		fx, fy := worldmap.Project(t.From.Lat, t.From.Lon)
		tx, ty := worldmap.Project(t.To.Lat, t.To.Lon)
		v.Arcs = append(v.Arcs, mapArc{
			D: greatCircle(t.From, t.To), Class: "arc " + t.Severity,
			Title: fmt.Sprintf("%s: %s → %s, %.0f km at %.0f km/h", t.User, placeName(t.From), placeName(t.To), t.DistanceKm, t.SpeedKmh),
			FX:    round1(fx), FY: round1(fy), TX: round1(tx), TY: round1(ty),
			FromLabel: placeName(t.From), ToLabel: placeName(t.To),
		})
	}
	for _, tl := range r.Timelines {
		v.Timelines = append(v.Timelines, newTimelineView(tl))
	}
	return v
}

func placeName(p Point) string {
	if p.City != "" {
		return p.City + ", " + p.Country
	}
	return dash(p.Country)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// greatCircle returns SVG path data along the great circle from a to b, broken where it
// crosses the antimeridian.
func greatCircle(a, b Point) string {
	rad := math.Pi / 180
	vec := func(p Point) [3]float64 {
		la, lo := p.Lat*rad, p.Lon*rad
		return [3]float64{math.Cos(la) * math.Cos(lo), math.Cos(la) * math.Sin(lo), math.Sin(la)}
	}
	va, vb := vec(a), vec(b)
	dot := va[0]*vb[0] + va[1]*vb[1] + va[2]*vb[2]
	omega := math.Acos(max(-1, min(1, dot)))
	const steps = 48
	var sb strings.Builder
	var px float64
	for i := 0; i <= steps; i++ {
		f := float64(i) / steps
		var p [3]float64
		if omega < 1e-9 {
			p = va
		} else {
			s1, s2 := math.Sin((1-f)*omega)/math.Sin(omega), math.Sin(f*omega)/math.Sin(omega)
			for k := range p {
				p[k] = s1*va[k] + s2*vb[k]
			}
		}
		lat := math.Atan2(p[2], math.Hypot(p[0], p[1])) / rad
		lon := math.Atan2(p[1], p[0]) / rad
		x, y := worldmap.Project(lat, lon)
		cmd := "L"
		if i == 0 || math.Abs(x-px) > worldmap.Width/2 {
			cmd = "M"
		}
		fmt.Fprintf(&sb, "%s%g %g", cmd, round1(x), round1(y))
		px = x
	}
	return sb.String()
}

const timelineWidth, timelineHeight = 900.0, 46.0

func newTimelineView(tl Timeline) timelineView {
	tv := timelineView{Timeline: tl, Width: timelineWidth, Height: timelineHeight}
	if len(tl.Entries) == 0 {
		return tv
	}
	start, end := tl.Entries[0].Time, tl.Entries[len(tl.Entries)-1].Time
	span := end.Sub(start)
	if span <= 0 {
		span = time.Minute
	}
	tv.StartLabel, tv.EndLabel = fmtTime(start), fmtTime(end)
	for _, e := range tl.Entries {
		x := 10 + (timelineWidth-20)*float64(e.Time.Sub(start))/float64(span)
		m := timelineMark{X: round1(x), Y: 16, Color: countryColor(e.Country)}
		what := e.Action
		if e.Kind == "alert" {
			m.IsAlert, m.Y, m.Class = true, 36, "tm alert "+e.Severity
			what = e.Rule + ": " + e.Message
		} else {
			m.Class = "tm event"
			if e.Outcome == "failure" {
				m.Class += " failure"
			}
		}
		m.Title = fmt.Sprintf("%s %s %s %s %s", fmtTime(e.Time), strings.Trim(e.City+", "+e.Country, ", "), e.IP, e.Outcome, what)
		tv.Marks = append(tv.Marks, m)
	}
	return tv
}

// countryColor gives each country a stable hue so that a timeline shows changes of country.
func countryColor(iso string) string {
	if iso == "" {
		return "#9aa5b1"
	}
	h := fnv.New32a()
	h.Write([]byte(iso))
	return fmt.Sprintf("hsl(%d,65%%,45%%)", h.Sum32()%360)
}

func fmtBytes(b uint64) string {
	const unit = 1024
	if b == 0 {
		return "-"
	}
	if b < unit {
		return strconv.FormatUint(b, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
