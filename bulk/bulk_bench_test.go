package bulk_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// BenchmarkRun imports 100 rows per iteration into an in-process simulator
// (same process, so a CPU profile splits client and simulator time by
// package). Report ns/op ÷ 100 for the cost of one row.
func BenchmarkRun(b *testing.B) {
	srv := sim.NewServer(b, sim.WithRequestLog(100))
	c := client(b, srv)
	i := 0
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, 100)
		i++
		b.StartTimer()
		sum, err := bulk.Import(context.Background(), bulk.ImportOptions{InputPath: f.input, JournalPath: filepath.Join(f.dir, fmt.Sprint("j", i)), Report: io.Discard, Workers: 8, Client: c})
		if err != nil || sum.Imported != 100 {
			b.Fatalf("%v %+v", err, sum)
		}
	}
}
