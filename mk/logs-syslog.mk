# Syslog-text log formats (logs/syslog and the formats built on it).
#   make bench-syslog   parser benchmarks of every syslog-text format and the ASA source
#                       benchmark (generated 100k-line file), one core; lines/cpu-s is the
#                       per-core figure, lines/s depends on the machine's load
#   make fuzz-syslog    fuzz every syslog-text parser for SYSLOG_FUZZTIME each
#   make fuzz-smoke     (also) runs fuzz-syslog

SYSLOG_PKGS      := ./logs/syslog ./logs/asa ./logs/fortigate ./logs/globalprotect ./logs/openssh ./logs/openvpn ./logs/pulse
SYSLOG_FUZZTIME  ?= 15s
SYSLOG_BENCHTIME ?= 2s

.PHONY: bench-syslog fuzz-syslog

bench-syslog:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=$(SYSLOG_BENCHTIME) -cpu 1 \
		./logs/asa ./logs/fortigate ./logs/globalprotect ./logs/openssh ./logs/openvpn ./logs/pulse

fuzz-syslog:
	set -e; for p in $(SYSLOG_PKGS); do \
		$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime=$(SYSLOG_FUZZTIME) $$p; \
	done

fuzz-smoke: fuzz-syslog
