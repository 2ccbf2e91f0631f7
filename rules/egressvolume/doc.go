// Package egressvolume is the egress_volume rule: bytes sent by one internal host in one UTC
// day to watched countries or anonymizers, above a threshold.
package egressvolume
