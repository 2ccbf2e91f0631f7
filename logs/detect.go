package logs

// MinDetectScore is the score a format's Detect must reach for auto-detection to pick it.
const MinDetectScore = 30

// detectRecords is how many records from the start of a file auto-detection looks at before
// it reports the file as unrecognized.
const detectRecords = 8

// Detect returns the registered format that scores highest for rec among those with the given
// framing, and false when none reaches MinDetectScore. Ties go to the first name in order.
func Detect(rec []byte, framing Framing) (Format, bool) {
	var (
		best  Format
		score int
	)
	for _, f := range Formats() {
		if f.Framing != framing {
			continue
		}
		if s := safeDetect(f, rec); s > score {
			best, score = f, s
		}
	}
	return best, score >= MinDetectScore
}

// safeDetect runs f.Detect and turns a panic into "not this format".
func safeDetect(f Format, rec []byte) (score int) {
	defer func() {
		if recover() != nil {
			score = 0
		}
	}()
	return f.Detect(rec)
}
