package borderwatch

import "testing"

func BenchmarkDocumentID(b *testing.B) {
	ev := sampleEvents()["auth"]
	ev.Event.ID = "" // hash the raw input, the common case for logs
	ev.SetOriginal(string(make([]byte, 1600)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = ev.DocumentID()
	}
}
