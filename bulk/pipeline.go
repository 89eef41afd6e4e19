package bulk

import (
	"context"
	"io"
	"sync"
)

// pipeline feeds the items next yields to workers goroutines running
// process, and hands every result to emit (on the calling goroutine, in
// completion order). next may instead answer an item itself by returning a
// non-nil direct result (a malformed row, a row already done); it returns
// io.EOF at the end. When ctx ends, no new item is taken, and the items in
// flight are finished (process should not use ctx to abandon them). It
// returns next's first error other than io.EOF.
func pipeline[T, R any](ctx context.Context, workers int, next func() (T, *R, error), process func(T) R, emit func(R)) error {
	work := make(chan T, workers)
	results := make(chan R, workers)
	var readErr error
	go func() {
		defer close(work) // after readErr is set: the closes below order it before the return
		for ctx.Err() == nil {
			item, direct, err := next()
			switch {
			case err == io.EOF:
				return
			case err != nil:
				readErr = err
				return
			case direct != nil:
				results <- *direct
				continue
			}
			select {
			case work <- item:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range work {
				results <- process(item)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		emit(r)
	}
	return readErr
}
