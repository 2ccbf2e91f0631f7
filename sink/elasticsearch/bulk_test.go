package elasticsearch

import "testing"

func TestChunkDocs(t *testing.T) {
	for _, tc := range []struct {
		name                string
		n, workers, maxDocs int
		want                int
	}{
		{"one worker keeps the batch whole", 512, 1, 1600, 512},
		{"two workers halve a pipeline batch", 512, 2, 1600, 256},
		{"odd batch rounds up", 513, 2, 1600, 257},
		{"small batch is not split below the floor", 200, 2, 1600, minSplitDocs},
		{"tiny batch", 2, 2, 1600, minSplitDocs},
		{"bulk_max_docs caps the share", 10000, 2, 1600, 1600},
		{"bulk_max_docs below the floor wins", 512, 2, 20, 20},
		{"many workers", 512, 16, 1600, minSplitDocs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunkDocs(tc.n, tc.workers, tc.maxDocs); got != tc.want {
				t.Errorf("chunkDocs(%d, %d, %d) = %d, want %d", tc.n, tc.workers, tc.maxDocs, got, tc.want)
			}
		})
	}
}
