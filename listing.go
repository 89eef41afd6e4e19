package dfnskeys

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dfnskeys/dfnskeys/keys"
)

// Bounds on GET /keys listings, so that a hostile or broken server cannot
// exhaust memory or keep a lookup paging forever.
// [KeysService.List] and [KeysService.All] state them.
const (
	// maxListPageItems is the most keys one GET /keys page may hold; a
	// larger page is an error, detected while it is decoded.
	maxListPageItems = 1000

	maxListPageBody  = 8 << 20 // bytes of one page
	maxPageTokenSize = 4096
)

// The bounds in effect; tests lower them.
var (
	// maxListPages is the most pages one listing ([KeysService.All] and
	// the lookups built on it) fetches before it fails.
	maxListPages = 20000
	// listDeadline bounds a whole listing when the caller's context has
	// no deadline of its own.
	listDeadline = 15 * time.Minute
)

// readRecorder remembers the first read error, to tell a broken
// connection (retryable) from a malformed body.
type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// decodeKeyPage decodes one GET /keys page as a stream: at most
// [maxListPageItems] keys and maxListPageBody bytes, unknown fields
// skipped.
func decodeKeyPage(body io.Reader, out *keys.ListResponse) error {
	rec := &readRecorder{r: body}
	lr := &io.LimitedReader{R: rec, N: maxListPageBody + 1}
	err := decodeKeyPageJSON(json.NewDecoder(lr), out)
	switch {
	case rec.err != nil:
		return &transportError{fmt.Errorf("reading the response: %w", rec.err)}
	case lr.N <= 0:
		return fmt.Errorf("the page is larger than %d bytes", maxListPageBody)
	}
	return err
}

func decodeKeyPageJSON(dec *json.Decoder, out *keys.ListResponse) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case "items":
			if err := decodeKeyItems(dec, out); err != nil {
				return err
			}
		case "nextPageToken":
			var s *string
			if err := dec.Decode(&s); err != nil {
				return fmt.Errorf("nextPageToken: %w", err)
			}
			if s != nil {
				if len(*s) > maxPageTokenSize {
					return fmt.Errorf("nextPageToken is %d bytes, more than %d", len(*s), maxPageTokenSize)
				}
				out.NextPageToken = *s
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

func decodeKeyItems(dec *json.Decoder, out *keys.ListResponse) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		out.Items = nil // "items": null
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return errors.New(`"items" is not an array`)
	}
	out.Items = out.Items[:0] // a repeated field replaces the earlier one, as in encoding/json
	for dec.More() {
		if len(out.Items) >= maxListPageItems {
			return fmt.Errorf("the page holds more than %d keys", maxListPageItems)
		}
		var k keys.Key
		if err := dec.Decode(&k); err != nil {
			return fmt.Errorf("key %d: %w", len(out.Items), err)
		}
		out.Items = append(out.Items, k)
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q", want)
	}
	return nil
}
