package okta

// markBlocks is markBlocksGeneric with SSE2 (part of every amd64 processor), 64 bytes a turn.
//
//go:noescape
func markBlocks(d []byte, q []uint64) (bs uint64)
