// Package pcapfile reads capture files: pcap (micro- and nanosecond, both byte orders) and
// pcapng (several sections, interfaces and link types), plain or gzip-compressed, from files
// or standard input, and merges several files in time order. Files are read through a buffer,
// or (OpenMapped) memory-mapped and parsed in place. Records are returned without copying,
// and damage (a file cut inside a record, a corrupt length) is reported with the byte offset
// of the record.
package pcapfile
