package elasticsearch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	es "github.com/elastic/go-elasticsearch/v8"
)

// Kinds of documents, each with its own index template and data stream.
const (
	KindSessions = "sessions"
	KindAuth     = "auth"
	KindAlerts   = "alerts"
)

// Kinds lists the document kinds.
var Kinds = []string{KindSessions, KindAuth, KindAlerts}

// templateVersion is bumped whenever the shape of the templates changes beyond the mapping.
const templateVersion = 1

// Results of a setup step.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Kept      = "kept"    // differs but overwrite is off
	Skipped   = "skipped" // not supported by the cluster
)

// SetupStep is one thing Setup looked at.
type SetupStep struct {
	Kind   string `json:"kind"` // ilm_policy | component_template | index_template
	Name   string `json:"name"`
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
}

func (s SetupStep) String() string {
	if s.Detail != "" {
		return fmt.Sprintf("%-18s %-32s %s (%s)", s.Kind, s.Name, s.Result, s.Detail)
	}
	return fmt.Sprintf("%-18s %-32s %s", s.Kind, s.Name, s.Result)
}

// Setup installs what the sink writes into: the ILM policy (where the cluster has ILM), the
// component templates with the ECS mappings and index settings, and one composable index
// template per kind plus one for the dead-letter index. It is idempotent: each object carries
// a hash of its content in _meta and is only written when missing or different. A cluster
// without ILM gets a warning in the report, not a failure.
func Setup(ctx context.Context, c *es.Client, cfg Config, log *slog.Logger) ([]SetupStep, error) {
	if log == nil {
		log = slog.Default()
	}
	var steps []SetupStep
	ilm := false
	if cfg.Index.ILM.Enabled {
		ok, err := hasILM(ctx, c)
		if err != nil {
			return steps, err
		}
		ilm = ok
		if !ok {
			steps = append(steps, SetupStep{Kind: "ilm_policy", Name: cfg.Index.ILM.Policy, Result: Skipped,
				Detail: "the cluster has no index lifecycle management; indices are neither rolled over nor deleted by borderwatch"})
			log.Warn("elasticsearch: the cluster has no ILM; the lifecycle policy is not installed and old data is not deleted", "policy", cfg.Index.ILM.Policy)
		} else {
			st, err := put(ctx, c, "ilm_policy", "/_ilm/policy/"+cfg.Index.ILM.Policy, ilmPolicy(cfg), cfg.Setup.Overwrite, func(b []byte) string {
				var r map[string]struct {
					Policy struct {
						Meta map[string]any `json:"_meta"`
					} `json:"policy"`
				}
				_ = json.Unmarshal(b, &r)
				h, _ := r[cfg.Index.ILM.Policy].Policy.Meta["hash"].(string)
				return h
			})
			steps = append(steps, st)
			if err != nil {
				return steps, err
			}
		}
	}
	p := cfg.Index.Prefix
	components := []struct {
		name string
		body map[string]any
	}{
		{p + "-ecs-mappings", map[string]any{"template": map[string]any{"mappings": EventMapping()}}},
		{p + "-settings", map[string]any{"template": map[string]any{"settings": indexSettings(cfg, ilm)}}},
	}
	for _, comp := range components {
		st, err := put(ctx, c, "component_template", "/_component_template/"+comp.name, comp.body, cfg.Setup.Overwrite, componentHash)
		steps = append(steps, st)
		if err != nil {
			return steps, err
		}
	}
	for _, kind := range Kinds {
		body := map[string]any{
			"index_patterns": []string{p + "-" + kind + "-*"},
			"composed_of":    []string{p + "-ecs-mappings", p + "-settings"},
			"priority":       200,
			"version":        templateVersion,
		}
		if cfg.Index.Mode == ModeDataStream {
			body["data_stream"] = map[string]any{}
		}
		if kind == KindAlerts {
			// The template's own settings override those of its component templates.
			idx := map[string]any{"translog": map[string]any{"durability": DurabilityRequest}}
			if cfg.Index.AlertsRefreshInterval > 0 {
				idx["refresh_interval"] = fmt.Sprintf("%dms", cfg.Index.AlertsRefreshInterval.Milliseconds())
			}
			body["template"] = map[string]any{"settings": map[string]any{"index": idx}}
		}
		if kind == KindSessions {
			body["template"] = map[string]any{"mappings": sessionMappings()}
		}
		st, err := put(ctx, c, "index_template", "/_index_template/"+p+"-"+kind, body, cfg.Setup.Overwrite, indexTemplateHash)
		steps = append(steps, st)
		if err != nil {
			return steps, err
		}
	}
	if dl := cfg.DeadLetter.Index; dl != "" {
		body := map[string]any{
			"index_patterns": []string{dl},
			"priority":       200,
			"version":        templateVersion,
			"template": map[string]any{
				"settings": map[string]any{"number_of_shards": 1, "number_of_replicas": cfg.Index.Replicas},
				"mappings": deadLetterMapping(),
			},
		}
		st, err := put(ctx, c, "index_template", "/_index_template/"+dl, body, cfg.Setup.Overwrite, indexTemplateHash)
		steps = append(steps, st)
		if err != nil {
			return steps, err
		}
	}
	return steps, nil
}

func indexSettings(cfg Config, ilm bool) map[string]any {
	s := map[string]any{
		"number_of_shards":           cfg.Index.Shards,
		"number_of_replicas":         cfg.Index.Replicas,
		"mapping.total_fields.limit": 2000,
		"mapping.ignore_malformed":   false,
		"query.default_field":        []string{"message", "user.name", "source.ip", "destination.domain", "tls.client.server_name", "borderwatch.app.name"},
	}
	if cfg.Index.RefreshInterval > 0 {
		s["refresh_interval"] = fmt.Sprintf("%dms", cfg.Index.RefreshInterval.Milliseconds())
	}
	if cfg.Index.TranslogDurability != "" {
		s["translog.durability"] = cfg.Index.TranslogDurability
	}
	if ilm {
		s["lifecycle.name"] = cfg.Index.ILM.Policy
	}
	return map[string]any{"index": s}
}

func ilmPolicy(cfg Config) map[string]any {
	ilm := cfg.Index.ILM
	hot := map[string]any{"min_age": "0ms", "actions": map[string]any{}}
	if cfg.Index.Mode == ModeDataStream {
		hot["actions"] = map[string]any{"rollover": map[string]any{
			"max_age":                fmt.Sprintf("%ds", int64(ilm.RolloverAge.Seconds())),
			"max_primary_shard_size": fmt.Sprintf("%dgb", ilm.RolloverGB),
		}}
	}
	phases := map[string]any{"hot": hot}
	if ilm.DeleteAfter > 0 {
		phases["delete"] = map[string]any{
			"min_age": fmt.Sprintf("%ds", int64(ilm.DeleteAfter.Seconds())),
			"actions": map[string]any{"delete": map[string]any{}},
		}
	}
	return map[string]any{"policy": map[string]any{"phases": phases}}
}

// hasILM reports whether the cluster answers the ILM API.
func hasILM(ctx context.Context, c *es.Client) (bool, error) {
	status, _, err := do(ctx, c, http.MethodGet, "/_ilm/status", nil)
	if err != nil {
		return false, fmt.Errorf("elasticsearch: checking for ILM: %w", err)
	}
	switch {
	case status == http.StatusOK:
		return true, nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return false, fmt.Errorf("elasticsearch: checking for ILM: %w", statusError(status, nil))
	default:
		return false, nil
	}
}

// put writes body to path unless the object there already carries the same content hash.
func put(ctx context.Context, c *es.Client, kind, path string, body map[string]any, overwrite bool, current func([]byte) string) (SetupStep, error) {
	name := path[strings.LastIndexByte(path, '/')+1:]
	step := SetupStep{Kind: kind, Name: name}
	raw, _ := json.Marshal(body)
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:8])
	meta := map[string]any{"managed_by": "borderwatch", "hash": hash}
	if kind == "ilm_policy" {
		body["policy"].(map[string]any)["_meta"] = meta
	} else {
		body["_meta"] = meta
	}
	status, got, err := do(ctx, c, http.MethodGet, path, nil)
	if err != nil {
		return step, fmt.Errorf("elasticsearch: get %s %s: %w", kind, name, err)
	}
	switch {
	case status == http.StatusOK:
		if current(got) == hash {
			step.Result = Unchanged
			return step, nil
		}
		if !overwrite {
			step.Result, step.Detail = Kept, "differs from borderwatch's; setup.overwrite is off"
			return step, nil
		}
		step.Result = Updated
	case status == http.StatusNotFound:
		step.Result = Created
	default:
		return step, fmt.Errorf("elasticsearch: get %s %s: %w", kind, name, statusError(status, got))
	}
	b, _ := json.Marshal(body)
	status, got, err = do(ctx, c, http.MethodPut, path, b)
	if err != nil {
		return step, fmt.Errorf("elasticsearch: put %s %s: %w", kind, name, err)
	}
	if status != http.StatusOK {
		return step, fmt.Errorf("elasticsearch: put %s %s: %w", kind, name, statusError(status, got))
	}
	return step, nil
}

func componentHash(b []byte) string {
	var r struct {
		ComponentTemplates []struct {
			ComponentTemplate struct {
				Meta map[string]any `json:"_meta"`
			} `json:"component_template"`
		} `json:"component_templates"`
	}
	_ = json.Unmarshal(b, &r)
	if len(r.ComponentTemplates) == 0 {
		return ""
	}
	h, _ := r.ComponentTemplates[0].ComponentTemplate.Meta["hash"].(string)
	return h
}

func indexTemplateHash(b []byte) string {
	var r struct {
		IndexTemplates []struct {
			IndexTemplate struct {
				Meta map[string]any `json:"_meta"`
			} `json:"index_template"`
		} `json:"index_templates"`
	}
	_ = json.Unmarshal(b, &r)
	if len(r.IndexTemplates) == 0 {
		return ""
	}
	h, _ := r.IndexTemplates[0].IndexTemplate.Meta["hash"].(string)
	return h
}

// do performs one request and returns the status and body.
func do(ctx context.Context, c *es.Client, method, path string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Perform(req)
	if err != nil {
		return 0, nil, classifyTransportError(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("reading the response: %w", err)
	}
	return res.StatusCode, b, nil
}
