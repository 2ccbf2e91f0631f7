// Package elasticsearch indexes borderwatch events into Elasticsearch the way libbeat does:
// composable index templates with ECS mappings, data streams per kind (sessions, auth,
// alerts), bulk "create" with deterministic ids, per-item result classification (ack, 409
// duplicate, retry 429/5xx with equal-jitter backoff, split on 413, dead-letter other 4xx),
// a disk spool while the cluster is away, and a Reader for authentication events.
package elasticsearch
