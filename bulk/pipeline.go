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
// io.EOF at the end. When ctx ends, no new item is started: an item is
// handed to a worker only when one is free (the channel has no buffer where
// items could wait), and a worker checks ctx again before starting it. The
// items in flight are finished (process should not use ctx to abandon
// them). It returns next's first error other than io.EOF.
func pipeline[T, R any](ctx context.Context, workers int, next func() (T, *R, error), process func(T) R, emit func(R)) error {
	return gatedPipeline(ctx, workers, next, func() bool { return ctx.Err() == nil }, func() {}, process, emit)
}

// gatedPipeline is pipeline with the start of each item decided by begin,
// called by the worker just before it would process an item (false: the
// item is dropped unstarted); end is called after each processed item.
// begin must return false once ctx has ended.
func gatedPipeline[T, R any](ctx context.Context, workers int, next func() (T, *R, error), begin func() bool, end func(), process func(T) R, emit func(R)) error {
	work := make(chan T)
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
				if !begin() {
					continue // taken as ctx ended: not started
				}
				r := process(item)
				end()
				results <- r
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		emit(r)
	}
	return readErr
}
