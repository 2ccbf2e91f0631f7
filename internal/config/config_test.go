package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type geo struct {
	City string `yaml:"city"`
	ASN  string `yaml:"asn"`
}

type es struct {
	URLs     []string `yaml:"urls"`
	Password string   `yaml:"password" secret:"true"`
}

type flow struct {
	TCPTimeout time.Duration `yaml:"tcp_timeout"`
	MaxFlows   int           `yaml:"max_flows"`
}

func (f *flow) Validate() error {
	if f.TCPTimeout <= 0 {
		return errors.New("tcp_timeout must be > 0, e.g. 480s")
	}
	return nil
}

type testConfig struct {
	GeoIP    geo            `yaml:"geoip"`
	ES       es             `yaml:"elasticsearch"`
	Flow     flow           `yaml:"flow"`
	Watched  []string       `yaml:"watched"`
	Settings map[string]any `yaml:"settings"`
	Lists    []struct {
		Name string `yaml:"name"`
	} `yaml:"lists"`
	Debug bool `yaml:"debug"`
}

func defaults() testConfig {
	return testConfig{GeoIP: geo{City: "/usr/share/GeoIP/GeoLite2-City.mmdb"}, Flow: flow{TCPTimeout: 480 * time.Second, MaxFlows: 10}, Watched: []string{"CN", "RU", "KP"}}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string // substring; "" = success
		check      func(*testConfig) bool
	}{
		{name: "overlay keeps defaults", yaml: "geoip:\n  asn: /x/asn.mmdb\n",
			check: func(c *testConfig) bool {
				return c.GeoIP.ASN == "/x/asn.mmdb" && c.GeoIP.City != "" && c.Flow.MaxFlows == 10
			}},
		{name: "duration", yaml: "flow:\n  tcp_timeout: 2m\n",
			check: func(c *testConfig) bool { return c.Flow.TCPTimeout == 2*time.Minute }},
		{name: "empty file", yaml: "", check: func(c *testConfig) bool { return c.Flow.MaxFlows == 10 }},
		{name: "comment only", yaml: "# nothing\n", check: func(c *testConfig) bool { return c.Flow.MaxFlows == 10 }},
		{name: "typo suggests nearest", yaml: "geoip:\n  cty: /x\n", wantErr: `bw.yaml:2: unknown key "cty" in geoip; did you mean "city"?`},
		{name: "unknown top level", yaml: "debug: true\nelasticsaerch: {}\n", wantErr: `bw.yaml:2: unknown key "elasticsaerch" in the top level; did you mean "elasticsearch"?`},
		{name: "far-off key lists valid keys", yaml: "flow:\n  zzzzzzzzzz: 1\n", wantErr: "valid keys: max_flows, tcp_timeout"},
		{name: "unknown key inside list", yaml: "lists:\n  - name: a\n  - nmae: b\n", wantErr: `bw.yaml:3: unknown key "nmae" in lists[1]; did you mean "name"?`},
		{name: "free-form map accepts anything", yaml: "settings:\n  anything: 1\n  nested: {x: y}\n",
			check: func(c *testConfig) bool { return c.Settings["anything"] == 1 }},
		{name: "wrong type", yaml: "flow:\n  max_flows: lots\n", wantErr: "bw.yaml:2: cannot unmarshal !!str `lots` into int"},
		{name: "bad yaml", yaml: "geoip: [\n", wantErr: "bw.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaults()
			err := Load("bw.yaml", []byte(tt.yaml), &c)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(&c) {
				t.Errorf("unexpected result: %+v", c)
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	c := defaults()
	err := ApplyEnv("BORDERWATCH", &c, []string{
		"BORDERWATCH_GEOIP_CITY=/env/city.mmdb",
		"BORDERWATCH_FLOW_TCP_TIMEOUT=90s",
		"BORDERWATCH_WATCHED=CN, IR",
		"BORDERWATCH_DEBUG=true",
		"BORDERWATCH_REQUIRE_ES=1", // not a config key: ignored
		"OTHER_GEOIP_CITY=/nope",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.GeoIP.City != "/env/city.mmdb" || c.Flow.TCPTimeout != 90*time.Second || !c.Debug ||
		strings.Join(c.Watched, ",") != "CN,IR" {
		t.Errorf("env not applied: %+v", c)
	}
	for _, bad := range []string{"BORDERWATCH_FLOW_TCP_TIMEOUT=soon", "BORDERWATCH_FLOW_MAX_FLOWS=many", "BORDERWATCH_DEBUG=maybe"} {
		c := defaults()
		err := ApplyEnv("BORDERWATCH", &c, []string{bad})
		if err == nil || !strings.Contains(err.Error(), strings.SplitN(bad, "=", 2)[0]) {
			t.Errorf("%s: err %v, want one naming the variable", bad, err)
		}
	}
}

func TestValidatePrefixesSection(t *testing.T) {
	c := defaults()
	c.Flow.TCPTimeout = 0
	err := Validate(&c)
	if err == nil || err.Error() != "config flow: tcp_timeout must be > 0, e.g. 480s" {
		t.Fatalf("err = %v", err)
	}
	c = defaults()
	if err := Validate(&c); err != nil {
		t.Fatal(err)
	}
}

func TestDumpRedactsSecrets(t *testing.T) {
	c := defaults()
	c.ES.Password = "hunter2"
	out, err := Dump(&c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "hunter2") || !strings.Contains(s, "password: <redacted>") {
		t.Errorf("secret not redacted:\n%s", s)
	}
	if !strings.Contains(s, "tcp_timeout: 8m0s") || !strings.Contains(s, "- RU") {
		t.Errorf("dump lacks values:\n%s", s)
	}
	// The dump loads back to the same configuration (bar the redacted secret).
	back := testConfig{}
	if err := Load("dump", out, &back); err != nil {
		t.Fatalf("dump does not load back: %v", err)
	}
	if back.Flow != c.Flow || back.GeoIP != c.GeoIP {
		t.Errorf("round trip: %+v vs %+v", back, c)
	}
}
