package rules_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/rules"
)

func TestTableBoundAndTTL(t *testing.T) {
	tb := rules.NewTable[int](32, time.Hour)
	for i := range 100 {
		*tb.Upsert(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)) = i
	}
	if tb.Len() > 32 || tb.Evicted == 0 {
		t.Fatalf("len %d evicted %d", tb.Len(), tb.Evicted)
	}
	if tb.Get("99", t0.Add(100*time.Second)) == nil {
		t.Error("the newest entry was evicted")
	}
	if tb.Get("0", t0.Add(100*time.Second)) != nil {
		t.Error("the oldest entry survived")
	}
	if tb.Get("99", t0.Add(3*time.Hour)) != nil || tb.Expired != 1 {
		t.Errorf("expired entry returned (expired %d)", tb.Expired)
	}
	// Save and load round-trip, with expiry = last seen + TTL.
	saved := map[string][]byte{}
	if err := tb.Save("", func(k string, v []byte, exp time.Time) error {
		saved[k] = v
		if exp.IsZero() {
			t.Error("no expiry")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tb2 := rules.NewTable[int](32, time.Hour)
	for k, v := range saved {
		if err := tb2.Load(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if tb2.Len() != tb.Len() {
		t.Errorf("round trip %d != %d", tb2.Len(), tb.Len())
	}
	if err := tb2.Load("x", []byte("{")); err == nil {
		t.Error("corrupt entry loaded")
	}
}
