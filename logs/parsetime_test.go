package logs

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2024-05-06T00:00:00.000Z", time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), false},
		{"2024-05-06T12:34:56Z", time.Date(2024, 5, 6, 12, 34, 56, 0, time.UTC), false},
		{"2024-05-06T12:34:56.1Z", time.Date(2024, 5, 6, 12, 34, 56, 100_000_000, time.UTC), false},
		{"2024-05-06T12:34:56.123456789Z", time.Date(2024, 5, 6, 12, 34, 56, 123_456_789, time.UTC), false},
		{"2024-05-06T12:34:56.1234567891Z", time.Date(2024, 5, 6, 12, 34, 56, 123_456_789, time.UTC), false}, // time.Parse truncates
		{"2024-02-29T00:00:00Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), false},
		{"2023-02-29T00:00:00Z", time.Time{}, true},
		{"2024-04-31T00:00:00Z", time.Time{}, true},
		{"2024-05-06T24:00:00Z", time.Time{}, true},
		{"2024-05-06T12:60:00Z", time.Time{}, true},
		{"2024-05-06T12:00:60Z", time.Time{}, true},
		{"2024-05-06T12:00:00.Z", time.Time{}, true},
		{"2024-05-06T12:00:00+02:00", time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC), false},
		{"2024-05-06T12:00:00", time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC), false},
		{"1969-12-31T23:59:59Z", time.Time{}, true},
		{"+024-05-06T12:00:00Z", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, nil)
		if (err != nil) != tt.err || !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzParseUTC checks the short path against time.Parse: whatever it reads, time.Parse reads
// the same, and what it declines goes to time.Parse anyway.
func FuzzParseUTC(f *testing.F) {
	for _, s := range []string{"2024-05-06T00:00:00.000Z", "2024-02-29T23:59:59Z", "2024-05-06T12:34:56.123456789Z", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, ok := parseUTC(s)
		want, err := time.Parse(time.RFC3339Nano, s)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("parseUTC(%q) = %v, time.Parse fails: %v", s, got, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC || want.Location() != time.UTC {
			t.Fatalf("parseUTC(%q) = %v, time.Parse gives %v", s, got, want)
		}
	})
}

// TestUnixDays compares the day count with time.Date on every day of years 0-9999.
func TestUnixDays(t *testing.T) {
	for year := 0; year <= 9999; year++ {
		for month := 1; month <= 12; month++ {
			for day := 1; day <= daysIn(time.Month(month), year); day++ {
				want := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Unix()
				if got := unixDays(year, month, day) * 86400; got != want {
					t.Fatalf("unixDays(%d, %d, %d) = %d s, time.Date gives %d", year, month, day, got, want)
				}
			}
		}
	}
}
