package elasticsearch

// helperProcess is filled in by the kill -9 test.
func helperProcess() {}
