package scenario

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Write stores the scenario in dir: scenario.ndjson.gz (the events), roster.csv, cases.json
// (the planted cases and the benign behaviours the rules are meant to report) and
// borderwatch.yaml (the rules configuration the scenario models, pointing at the roster).
func (s *Scenario) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "scenario.ndjson.gz"))
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	for _, ev := range s.Events {
		if err := enc.Encode(ev); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(s.Roster), 0o644); err != nil {
		return err
	}
	labels, err := json.MarshalIndent(struct {
		Cases     []Case              `json:"cases"`
		Explained map[string][]string `json:"explained"`
	}{s.Cases, s.Explained}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cases.json"), append(labels, '\n'), 0o644); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`# The deployment the scenario models; run from the repository root:
#   borderwatch --config %[1]s/borderwatch.yaml rules test %[1]s/scenario.ndjson.gz
rules:
  roster: %[1]s/roster.csv
  rule:
    remote_access_tool:
      params: {sanctioned_tools: [teamviewer]}
    vpn_protocol:
      params: {sanctioned_servers: [%[2]s], sanctioned_apps: [globalprotect]}
`, dir, corpVPN)
	return os.WriteFile(filepath.Join(dir, "borderwatch.yaml"), []byte(cfg), 0o644)
}
