// Package spool is a durable on-disk FIFO of opaque records: segment files with a checksum per
// record, a position file for what has been consumed, and a size bound with a documented policy
// when it is full. The Elasticsearch sink keeps events here while the cluster is unreachable
// or rejecting them and drains them in order when it returns. FORMAT.md describes the files.
package spool
