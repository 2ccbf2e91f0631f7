//go:build !amd64

package okta

func markBlocks(d []byte, q []uint64) uint64 { return markBlocksGeneric(d, q) }
