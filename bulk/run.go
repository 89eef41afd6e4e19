package bulk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/bulk/internal/index"
	"github.com/dfnskeys/dfnskeys/bulk/internal/journal"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/dfnskeys/dfnskeys/internal/bip32path"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/proof"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
	"github.com/dfnskeys/dfnskeys/signers"
)

// ImportOptions configures [Import]. A dry run (DryRun) uses only
// InputPath, InputFormat, Report, Workers, the secrets (Password,
// Passphrase, LookupEnv, Prompt), Notice and Progress.
type ImportOptions struct {
	// DryRun checks every row of the input as Import would before sending
	// it (and calls Notice as Import does): the key file parses with
	// its format and secret, the protocol suits the curve, the expected
	// address matches, and keys repeated across rows are reported
	// (DuplicateOf). It sends nothing, needs no client, and writes no
	// journal; rows that pass are reported with [StatusValid]. [Split]
	// ignores it.
	DryRun bool
	// InputPath is the JSON Lines (.jsonl) or CSV (.csv) input. Key files
	// are relative to its directory.
	InputPath string
	// InputFormat is the input's format, csv or jsonl, when its name does
	// not end in one (a .txt file); "" reads it from the extension. Any
	// other value is refused before anything is read.
	InputFormat string
	// JournalPath is the journal file, created on the first run and used
	// to resume later ones.
	JournalPath string
	// Report receives one JSON line per processed row.
	Report io.Writer
	// Workers is the number of rows imported concurrently (default 4).
	Workers int
	// KDFConcurrency bounds the keystore decryptions that run at the same
	// time (default 1), as in [ExportOptions]: a keystore's scrypt takes
	// up to 512 MiB, so peak memory does not grow with Workers.
	KDFConcurrency int
	// Client is the API client.
	Client *dfnskeys.Client
	// ClusterID chooses the signing cluster when several are listed.
	ClusterID string
	// PinnedSigners, when set, must be exactly the cluster's signers with
	// the same keys (see [signers.CheckPinned]); otherwise Import stops
	// before anything is sent.
	PinnedSigners []signers.Signer
	// Password unlocks the keystore rows that name no password source of
	// their own (passwordEnv, passwordFile). It is not kept or cleared.
	Password []byte `json:"-"`
	// Passphrase is the BIP-39 passphrase of the mnemonic rows that name
	// no source of their own. nil means none was given: a run with such
	// rows asks Prompt, or fails before sending anything; a non-nil empty
	// slice means those mnemonics have no passphrase. It is not kept or
	// cleared.
	Passphrase []byte `json:"-"`
	// LookupEnv reads the variables rows name in passwordEnv (default
	// os.LookupEnv).
	LookupEnv func(name string) (string, bool)
	// Prompt, when set, is asked for a run-wide secret the input needs and
	// the options lack, before anything is sent; what says which, such as
	// "keystore password". Without it, such a run fails at once.
	Prompt func(what string) ([]byte, error)
	// OnInterrupt, when set, is called once, as soon as ctx ends during
	// the import of the rows, with the number of rows in flight: those are
	// finished and no other row is started. Import returns after it returns.
	OnInterrupt func(inFlight int)
	// Prove, when set, proves every imported row, and every row an
	// earlier run imported: Dfns signs with the row's key, and the
	// signature is verified under the public key computed from the row's
	// secret ([dfnskeys.Client.ProveKey]). Each row's signature request
	// has an externalId, recorded in the journal before it is sent, so
	// that retries and reruns ask Dfns for the same request: one request
	// per key across any number of runs and kills. A rerun proves again
	// every row an earlier run asked a proof for: it asks Dfns, with reads
	// only, for the request with the recorded externalId and verifies it
	// ([dfnskeys.Client.CheckProof]), and otherwise asks for that same
	// request again: "proved" in a report always rests on what Dfns said
	// in that run, never on the journal (docs/threat-model.md §4 and §8). A proof that fails does not undo the import; one the
	// network kept from completing is reported as such (ProofIncomplete):
	// rerun to finish it.
	Prove bool
	// Notice, when set, receives warnings about the input that do not stop
	// the run, each one line: before any row is processed, the input's
	// unknown fields or columns, which are ignored (named once, sorted, at
	// most 20 then "…", escaped, with the fields that are read); then a
	// key file its group or others can read. It may be called from
	// several goroutines at once, and more than once for one file.
	Notice func(string)
	// Progress, when set, is called from one goroutine at most every
	// ProgressEvery (default 1 s) and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of an import or a validation.
type Progress struct {
	// Total is the number of data rows in the input.
	Total int
	// Done counts the rows processed so far, of every status.
	Done, Imported, AlreadyImported, Failed, Valid int
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// Summary is the outcome of an import or a validation.
type Summary struct {
	Progress
	// Reasons counts failures by reason, most frequent first (at most 20
	// distinct reasons are kept).
	Reasons []Reason
	// Interrupted is set when the context ended before every row was
	// processed; rerun to continue.
	Interrupted bool
	// InFlightAtInterrupt is the number of rows that were being imported
	// when the context ended; they were finished, and no row was started
	// after.
	InFlightAtInterrupt int
	// Proved and ProofFailed count the rows whose proof succeeded and
	// failed, with [ImportOptions.Prove]; ProofIncomplete the rows whose
	// proof the network kept from completing (not counted in ProofFailed):
	// rerun to finish them.
	Proved, ProofFailed, ProofIncomplete int
	// Unusable counts the rows an earlier run imported whose key Dfns now
	// reports exported, archived or deleted ([StatusUnusable]).
	Unusable int
	// Network is what the network did to the run's calls (the Client's
	// [dfnskeys.CallStats] over the run): transient faults met, requests
	// retried, imports looked up after a lost answer. Retries and their
	// backoff are what makes a run through faults slower.
	Network dfnskeys.CallStats
}

// Reason is one failure reason and how many rows it hit.
type Reason struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Report statuses.
const (
	StatusImported        = "imported"
	StatusAlreadyImported = "already-imported"
	StatusFailed          = "failed"
	StatusValid           = "valid"
	// StatusUnusable is a row an earlier run imported whose key Dfns, asked
	// in this run, reports exported, archived or deleted: Dfns no longer
	// signs with it, so it is neither imported nor proved
	// (docs/threat-model.md §4).
	StatusUnusable = "unusable"
)

// ReportLine is one line of the report. It never holds a secret.
type ReportLine struct {
	// Row is the row's number among the input's logical rows: a row whose
	// path holds a range is one row per account.
	Row int `json:"row"`
	// InputRow is the row's position among the input's data rows, when it
	// differs from Row (after a row with a path range).
	InputRow int    `json:"inputRow,omitempty"`
	Name     string `json:"name,omitempty"`
	// Path is the derivation path of a mnemonic or xprv row's key.
	Path      string             `json:"path,omitempty"`
	PublicKey string             `json:"publicKey,omitempty"`
	Addresses *address.Addresses `json:"addresses,omitempty"`
	KeyID     string             `json:"keyId,omitempty"`
	Status    string             `json:"status"`
	Error     string             `json:"error,omitempty"`
	// DuplicateOf is the other row with the same key, when there is one:
	// such a row is not imported again but answered with that row's key.
	// It is the row reached first, which with Workers > 1 need not be the
	// earlier one in the input.
	DuplicateOf int `json:"duplicateOf,omitempty"`
	// Proved, with [ImportOptions.Prove], says whether Dfns's signature
	// with the key, asked for in this run, verified under the row's public
	// key; ProofError says why not. ProofIncomplete is set when the proof
	// could not be completed because of the network: rerun to finish it.
	Proved          *bool  `json:"proved,omitempty"`
	ProofError      string `json:"proofError,omitempty"`
	ProofIncomplete bool   `json:"proofIncomplete,omitempty"`
	// ProofExternalID is the externalId of the row's signature request.
	ProofExternalID string `json:"proofExternalId,omitempty"`

	proofReason string // ProofError without what varies by row, for the summary
}

const maxKeyFile = 64 << 10

// Import imports every distinct key of the input exactly once across any
// number of runs. Rows the journal records as imported are not imported
// again, and are not taken on the journal's word: each is checked against
// the key list Dfns gives at startup (docs/threat-model.md §4), and
// reported already-imported when Dfns lists the key usable, unusable
// ([StatusUnusable]) when Dfns reports it exported, archived or deleted,
// failed when Dfns does not list it; with Prove, each is proved again
// from what Dfns answers in this run. Rows whose import may have been
// sent by an earlier, killed run are looked up by public key before
// anything is sent again. When ctx ends, rows in flight are finished and no
// new row is started. Import returns an error only when the run as a whole
// cannot proceed; row failures are in the report and the summary.
//
// Keys are also matched across rows and with Dfns: a row whose key another
// row of the input already imported is reported as already-imported with
// that key, and DuplicateOf naming the row; a row whose key Dfns already
// holds as an active, imported key that was never exported is reported as
// already-imported with that key (Import lists the organisation's keys once at
// startup). So a rerun with a new journal — after the old one was lost, or
// after the input was corrected — imports only what Dfns does not have yet.
// A key that was exported or archived in Dfns is imported again.
func Import(ctx context.Context, opts ImportOptions) (*Summary, error) {
	var before dfnskeys.CallStats
	if opts.Client != nil {
		before = opts.Client.Stats()
	}
	sum, err := run(ctx, opts, opts.DryRun)
	if sum != nil && opts.Client != nil {
		after := opts.Client.Stats()
		sum.Network = dfnskeys.CallStats{Faults: after.Faults - before.Faults, Retries: after.Retries - before.Retries, Lookups: after.Lookups - before.Lookups}
	}
	return sum, err
}

// run is Import, or its dry run when dryRun is set.
func run(ctx context.Context, opts ImportOptions, dryRun bool) (*Summary, error) {
	start := time.Now()
	r, closeRun, err := setup(ctx, &opts, dryRun)
	defer closeRun()
	if err != nil {
		return nil, err
	}
	f, err := openInput(opts.InputPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := rows.NewReader(f, formatName(opts.InputPath, opts.InputFormat))
	if err != nil {
		return nil, err
	}
	t := newTally(r.total)
	bw := bufio.NewWriter(opts.Report)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	lastProgress := time.Now()
	var writeErr error
	fatal, interruptedWith, readErr := r.pipeline(ctx, rd, func(line ReportLine) {
		if writeErr == nil {
			writeErr = enc.Encode(line)
		}
		t.add(line)
		if opts.Progress != nil && time.Since(lastProgress) >= opts.ProgressEvery {
			lastProgress = time.Now()
			p := t.sum.Progress
			p.Elapsed = time.Since(start)
			opts.Progress(p)
		}
	})
	if err := bw.Flush(); writeErr == nil {
		writeErr = err
	}
	sum := t.finish(time.Since(start))
	sum.InFlightAtInterrupt = interruptedWith
	if opts.Progress != nil {
		opts.Progress(sum.Progress)
	}
	sum.Interrupted = ctx.Err() != nil && sum.Done < r.total
	switch {
	case fatal != nil:
		return sum, fatal
	case readErr != nil:
		return sum, readErr
	case writeErr != nil:
		return sum, fmt.Errorf("writing the report: %w", writeErr)
	}
	return sum, nil
}

// setup is the part of a run before any row: it fills in opts' defaults,
// reads the input once (digest, rows, the secrets they need), and for a
// real run takes the cluster from the API, opens and binds the journal,
// resolves rows an interrupted run left started and lists Dfns's keys
// into the run's index. closeRun releases all of it and is never nil.
func setup(ctx context.Context, opts *ImportOptions, dryRun bool) (r *runner, closeRun func(), err error) {
	var closers []func()
	closeRun = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = time.Second
	}
	if opts.Report == nil {
		return nil, closeRun, errors.New("no report writer")
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if err := checkInputFormat(opts.InputFormat); err != nil {
		return nil, closeRun, err
	}
	var needs secretNeeds
	digest, total, ignored, err := scanInput(opts.InputPath, opts.InputFormat, needs.add)
	if err != nil {
		return nil, closeRun, err
	}
	if len(ignored) > 0 && opts.Notice != nil {
		opts.Notice(fmt.Sprintf("ignoring the input's unknown %s %s (the fields read are %s)", plural(len(ignored), "field", "fields"), strings.Join(ignored, ", "), strings.Join(rows.Fields(), ", ")))
	}
	// Every secret the rows need is found before anything is sent.
	prompted, err := needs.check(opts, filepath.Dir(opts.InputPath))
	closers = append(closers, func() {
		for _, b := range prompted {
			clear(b)
		}
	})
	if err == nil {
		err = checkRequestRows(&needs, opts, dryRun)
	}
	if err != nil {
		return nil, closeRun, err
	}
	r = &runner{opts: *opts, dryRun: dryRun, dir: filepath.Dir(opts.InputPath), total: total, inflight: map[index.Fingerprint]chan struct{}{}, kdf: newKDFGate(opts.KDFConcurrency)}
	if dryRun {
		if r.index, err = index.New(total); err != nil {
			return nil, closeRun, err
		}
		ix := r.index
		closers = append(closers, func() { ix.Close() })
		return r, closeRun, nil
	}
	if opts.Client == nil {
		return nil, closeRun, errors.New("no API client")
	}
	// The API is asked first: an unreachable API, a wrong token, a
	// wrong cluster or signers that differ from the pins leave no
	// journal behind.
	list, err := opts.Client.Signers.List(ctx)
	if err != nil {
		return nil, closeRun, err // names GET /signers already
	}
	if r.target, err = dfnskeys.NewImportTarget(list, opts.ClusterID, opts.PinnedSigners); err != nil {
		return nil, closeRun, err
	}
	if r.journal, err = journal.Open(opts.JournalPath, digest); err != nil {
		return nil, closeRun, err
	}
	jr := r.journal
	closers = append(closers, func() { jr.Close() })
	// Before anything in the journal is acted on.
	if err := r.journal.Bind(journal.Target{BaseURL: opts.Client.BaseURL(), OrgID: opts.Client.OrgID(), ClusterID: r.target.ClusterID()}); err != nil {
		return nil, closeRun, err
	}
	spool, err := index.NewSpool()
	if err != nil {
		return nil, closeRun, err
	}
	defer spool.Close()
	if err := r.resolveStarted(ctx, spool); err != nil {
		return nil, closeRun, err
	}
	if r.index, err = r.buildIndex(spool); err != nil {
		return nil, closeRun, err
	}
	ix := r.index
	closers = append(closers, func() { ix.Close() })
	return r, closeRun, nil
}

// pipeline processes the rows of rd with the run's workers, handing each
// report line to out in row order. A row that has started finishes even
// if ctx ends; none starts after. It returns why the run stopped when a
// row found that it cannot go on safely (nil otherwise, and when ctx
// ended), how many rows were in flight when ctx ended, and the error that
// stopped reading the input.
func (r *runner) pipeline(ctx context.Context, rd *rows.Reader, out func(ReportLine)) (fatal error, interruptedWith int, readErr error) {
	next := func() (*rows.Row, *ReportLine, error) {
		row, err := rd.Next()
		var re *rows.RowError
		switch {
		case errors.As(err, &re):
			line := &ReportLine{Row: re.Number, Status: StatusFailed, Error: re.Err.Error()}
			if re.Source != re.Number {
				line.InputRow = re.Source
			}
			return nil, line, nil
		case err != nil:
			return nil, nil, err
		}
		if line, done := r.fromJournal(row); done && !r.needsProof(line) {
			return nil, &line, nil
		}
		return row, nil, nil
	}
	// pctx also ends when a row finds the run cannot go on safely.
	pctx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	r.fatal = func(err error) { stopRun(err) }
	var (
		gate     sync.Mutex
		inFlight int
		stopping bool
	)
	begin := func() bool {
		gate.Lock()
		defer gate.Unlock()
		if stopping || pctx.Err() != nil {
			return false
		}
		inFlight++
		return true
	}
	end := func() {
		gate.Lock()
		inFlight--
		gate.Unlock()
	}
	watchDone := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		defer close(watchDone)
		gate.Lock()
		stopping = true
		interruptedWith = inFlight
		gate.Unlock()
		if r.opts.OnInterrupt != nil {
			r.opts.OnInterrupt(interruptedWith)
		}
	})
	process := func(row *rows.Row) ReportLine { return r.process(context.WithoutCancel(ctx), row) }
	readErr = gatedPipeline(pctx, r.opts.Workers, next, begin, end, process, out)
	if !stopWatch() {
		<-watchDone // ctx ended: the message about it comes before the summary
	} else {
		interruptedWith = 0
	}
	if ctx.Err() == nil && pctx.Err() != nil {
		fatal = context.Cause(pctx)
	}
	return fatal, interruptedWith, readErr
}

// tally counts report lines into a run's summary.
type tally struct {
	sum     *Summary
	reasons map[string]int
}

func newTally(total int) *tally {
	return &tally{sum: &Summary{Progress: Progress{Total: total}}, reasons: map[string]int{}}
}

// reason counts one more line for reason; at most 20 reasons are kept.
func (t *tally) reason(reason string) {
	if _, ok := t.reasons[reason]; ok || len(t.reasons) < 20 {
		t.reasons[reason]++
	}
}

func (t *tally) add(line ReportLine) {
	sum := t.sum
	sum.Done++
	switch line.Status {
	case StatusImported:
		sum.Imported++
	case StatusAlreadyImported:
		sum.AlreadyImported++
	case StatusValid:
		sum.Valid++
	case StatusUnusable:
		sum.Unusable++
		t.reason("no longer usable in Dfns: " + line.proofReason)
	case StatusFailed:
		sum.Failed++
		t.reason(line.Error)
	}
	switch {
	case line.Proved == nil:
	case *line.Proved:
		sum.Proved++
	case line.ProofIncomplete:
		sum.ProofIncomplete++
		t.reason("proof not completed: " + line.proofReason)
	default:
		sum.ProofFailed++
		t.reason("not proved: " + line.proofReason)
	}
}

// finish returns the summary with its elapsed time and its reasons, most
// frequent first.
func (t *tally) finish(elapsed time.Duration) *Summary {
	sum := t.sum
	sum.Elapsed = elapsed
	for k, v := range t.reasons {
		sum.Reasons = append(sum.Reasons, Reason{k, v})
	}
	sort.Slice(sum.Reasons, func(i, j int) bool {
		if sum.Reasons[i].Count != sum.Reasons[j].Count {
			return sum.Reasons[i].Count > sum.Reasons[j].Count
		}
		return sum.Reasons[i].Reason < sum.Reasons[j].Reason
	})
	return sum
}

// scanInput hashes the input and counts its logical rows in one streaming
// pass, showing each well-formed row to see, and returns the unknown fields
// it ignored.
func scanInput(path, format string, see func(*rows.Row)) (digest [32]byte, total int, ignored []string, err error) {
	f, err := openInput(path)
	if err != nil {
		return [32]byte{}, 0, nil, err
	}
	defer f.Close()
	h := sha256.New()
	rd, err := rows.NewReader(io.TeeReader(f, h), formatName(path, format))
	if err != nil {
		return [32]byte{}, 0, nil, err
	}
	n := 0
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err == nil {
			see(row)
		}
		var re *rows.RowError
		if err != nil && !errors.As(err, &re) {
			return [32]byte{}, 0, nil, err
		}
		n++
	}
	// The reader may stop before the end (trailing blank lines, a final
	// partial buffer): hash whatever it did not consume.
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, 0, nil, err
	}
	copy(digest[:], h.Sum(nil))
	return digest, n, rd.Ignored(), nil
}

// newLine starts the report line of row.
func newLine(row *rows.Row) ReportLine {
	line := ReportLine{Row: row.Number, Name: row.Name, Path: row.Path}
	if row.Source != row.Number {
		line.InputRow = row.Source
	}
	if line.Path == "" && strings.EqualFold(row.Format, string(keyformat.Mnemonic)) {
		if c, err := keys.ParseCurve(row.Curve); err == nil {
			line.Path = bip32path.Default(c)
		}
	}
	return line
}

type runner struct {
	opts    ImportOptions
	dryRun  bool
	dir     string
	total   int
	journal *journal.Journal
	target  *dfnskeys.ImportTarget
	kdf     kdfGate // keystore decryptions at the same time (shared with Export)
	index   *index.Index
	// listedAt is when the run's listing of Dfns's keys started: the
	// client's look-ups for rows reuse it.
	listedAt time.Time

	mu       sync.Mutex
	inflight map[index.Fingerprint]chan struct{} // keys being processed, closed when done

	// approvalsSeen is set once the journal shows that imports in this
	// organisation can wait for a policy approval (202).
	approvalsSeen atomic.Bool
	// fatal stops the run: no new row starts, and the run returns err.
	fatal func(err error)
}

// buildIndex indexes the public keys of the rows the journal records as
// imported or possibly sent, and the key IDs resolveStarted spooled from
// Dfns's listing. Whether Dfns already holds a row's key is the client's
// look-up ([dfnskeys.Client.PlanImport]), not this index's.
func (r *runner) buildIndex(spool *index.Spool) (*index.Index, error) {
	// Room for every row, every spooled entry, and the keys this run
	// creates (recorded as listed).
	x, err := index.New(2*r.total + spool.Len())
	if err != nil {
		return nil, err
	}
	err = r.journal.Scan(func(row int, rec journal.Record) error {
		switch rec.State {
		case journal.StateStarted, journal.StateImported, journal.StatePending, journal.StateRejected:
			if len(rec.PublicKey) > 0 && rec.Scheme != (keys.Scheme{}) {
				return x.Put(index.Of(importbuild.Identity(rec.Scheme, rec.PublicKey)), index.Entry{Row: row}, true)
			}
		}
		return nil
	})
	if err == nil {
		err = spool.Each(func(fp index.Fingerprint, id string) error {
			return x.Put(fp, index.Entry{KeyID: id}, true)
		})
	}
	if err != nil {
		x.Close()
		return nil, fmt.Errorf("indexing the keys already imported: %w", err)
	}
	return x, nil
}

// spoolListed records, from Dfns's listing, that key k exists and, when
// Dfns no longer signs with it, why: rows the journal calls imported are
// checked against these (docs/threat-model.md §4).
func spoolListed(spool *index.Spool, k *keys.Key) error {
	if k.ID == "" || len(k.ID) > index.MaxKeyID {
		return fmt.Errorf("a key Dfns listed has an ID of %d bytes", len(k.ID))
	}
	if err := spool.Add(index.Listed(k.ID), ""); err != nil {
		return err
	}
	if why := k.Unusable(); why != "" {
		return spool.Add(index.Unusable(k.ID), why)
	}
	if !k.Imported {
		return nil
	}
	if _, err := hex.DecodeString(k.PublicKey); err != nil || k.PublicKey == "" {
		return fmt.Errorf("key %s, as Dfns listed it, has an invalid public key %s", safetext.Text(k.ID), safetext.TextN(k.PublicKey, 140))
	}
	return nil
}

// claim makes the calling row the only one processing the key with
// fingerprint fp until release is called, waiting while another row holds
// it, and returns the earlier row that has the key, if any.
func (r *runner) claim(fp index.Fingerprint, row int) (prior *index.Entry, release func(), err error) {
	for {
		r.mu.Lock()
		if busy, ok := r.inflight[fp]; ok {
			r.mu.Unlock()
			<-busy
			continue
		}
		done := make(chan struct{})
		r.inflight[fp] = done
		r.mu.Unlock()
		release = func() {
			r.mu.Lock()
			delete(r.inflight, fp)
			r.mu.Unlock()
			close(done)
		}
		e, ok, err := r.index.Lookup(fp)
		switch {
		case err != nil:
			release()
			return nil, nil, err
		case !ok || e.Row == row:
			return nil, release, nil
		}
		return &e, release, nil
	}
}

// settleDuplicate answers a row whose key an earlier row has, at prior.
// It returns false when the row must import the key itself: the earlier
// row failed without creating anything.
func (r *runner) settleDuplicate(row *rows.Row, pub []byte, scheme keys.Scheme, prior index.Entry, line ReportLine) (ReportLine, bool) {
	fail := func(err error) (ReportLine, bool) {
		line.Status, line.Error = StatusFailed, err.Error()
		return line, true
	}
	line.DuplicateOf = prior.Row
	rec, err := r.journal.Get(prior.Row)
	if err != nil {
		return fail(err)
	}
	switch rec.State {
	case journal.StateImported:
		if ok, err := r.listed(rec.KeyID); err != nil || !ok {
			line.KeyID = rec.KeyID
			return fail(fmt.Errorf("row %d has the same key: %s", prior.Row, notListed(rec.KeyID, err)))
		}
		if why, err := r.unusable(rec.KeyID); err != nil {
			return fail(err)
		} else if why != "" {
			line.KeyID = rec.KeyID
			unusableLine(&line, why)
			return line, true
		}
	case journal.StateStarted, journal.StateUncertain:
		return fail(fmt.Errorf("row %d has the same key and its import is unresolved; this row is not sent: rerun to resolve both", prior.Row))
	case journal.StatePending:
		return fail(fmt.Errorf("row %d has the same key and its import waits for policy approval %s; this row is not sent", prior.Row, safetext.Text(rec.KeyID)))
	case journal.StateRejected:
		line.KeyID = rec.KeyID
		return fail(fmt.Errorf("row %d has the same key, and Dfns created key %s for it with a different public key; this row is not sent", prior.Row, safetext.Text(rec.KeyID)))
	default: // the earlier row failed for sure: this one tries
		return line, false
	}
	if err := r.journal.Put(row.Number, journal.Record{State: journal.StateImported, PublicKey: pub, KeyID: rec.KeyID, Scheme: scheme, DuplicateOf: line.DuplicateOf}); err != nil {
		return fail(err)
	}
	line.KeyID, line.Status = rec.KeyID, StatusAlreadyImported
	return line, true
}

// fromJournal answers a row the journal records as imported.
func (r *runner) fromJournal(row *rows.Row) (ReportLine, bool) {
	if r.journal == nil {
		return ReportLine{}, false
	}
	rec, err := r.journal.Get(row.Number)
	if err != nil || rec.State != journal.StateImported {
		return ReportLine{}, false
	}
	line := newLine(row)
	// The journal's Proved flag is not reported: "proved" rests on what
	// Dfns says in this run (a rerun with Prove asks again).
	line.PublicKey, line.KeyID, line.Status, line.DuplicateOf = hex.EncodeToString(rec.PublicKey), rec.KeyID, StatusAlreadyImported, rec.DuplicateOf
	if c, err := keys.ParseCurve(row.Curve); err == nil {
		if a, err := address.ForKey(c, rec.PublicKey); err == nil {
			line.Addresses = &a
		}
	}
	if ok, err := r.listed(rec.KeyID); err != nil || !ok {
		line.Status, line.Error = StatusFailed, notListed(rec.KeyID, err)
	} else if why, err := r.unusable(rec.KeyID); err != nil {
		line.Status, line.Error = StatusFailed, err.Error()
	} else if why != "" {
		unusableLine(&line, why)
	}
	return line, true
}

// unusable returns how Dfns, listing its keys at the start of this run,
// reported key ID id when it no longer signs with it ("exported",
// "archived", "deleted"), or "".
func (r *runner) unusable(id string) (string, error) {
	if r.index == nil || r.dryRun {
		return "", nil
	}
	e, ok, err := r.index.Lookup(index.Unusable(id))
	if err != nil || !ok {
		return "", err
	}
	return e.KeyID, nil
}

// unusableLine makes line the report of a row whose key Dfns now reports
// as why ("exported" …): not imported, not proved, and what to do.
func unusableLine(line *ReportLine, why string) {
	line.Status = StatusUnusable
	line.Proved, line.ProofError = nil, ""
	line.Error = fmt.Sprintf("an earlier run imported this row as key %s, but Dfns now reports that key %s, and Dfns no longer signs with it: the row is not imported and not proved (the journal is not taken over Dfns, see docs/threat-model.md §4). If that was intended (the key was exported on purpose), keep the exported copy and drop the row; to have Dfns hold the key again, import the row with a new journal", safetext.Text(line.KeyID), why)
	line.proofReason = "Dfns reports the key " + why + " (see each row's error): drop such rows, or import them again with a new journal"
}

// listed reports whether key ID id was listed by Dfns at startup or
// created during this run. Without an index (a dry run) nothing is known
// and every ID counts as listed.
func (r *runner) listed(id string) (bool, error) {
	if r.index == nil || r.dryRun {
		return true, nil
	}
	_, ok, err := r.index.Lookup(index.Listed(id))
	return ok, err
}

// markListed records that key ID id exists in Dfns (created or found by
// this run).
func (r *runner) markListed(id string) error {
	if id == "" || len(id) > index.MaxKeyID {
		return fmt.Errorf("the key ID Dfns answered with has %d bytes", len(id))
	}
	return r.index.Put(index.Listed(id), index.Entry{}, true)
}

// notListed is the report error of a row the journal calls imported as key
// id, which Dfns does not list.
func notListed(id string, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("the journal records this row as imported as key %s, but Dfns does not list that key (deleted, or the journal was used against another organisation): not imported again; check the key in Dfns, and to import this row again use a new journal", safetext.Text(id))
}

// resolveStarted settles the rows an earlier run may have sent, and those
// waiting for a policy approval: each is looked for by public key among the
// imported keys; found ones are marked imported. Started rows not found may
// be attempted again; rows waiting for approval stay so. Keys can appear a
// moment after a killed run sent them, so the search is repeated while rows
// remain unresolved, as the client's retry policy sets for lookups
// (LookupAttempts, LookupDelay).
//
// Its first listing is the run's one listing of the organisation: it fills
// the client's index (which later look-ups reuse, see
// [dfnskeys.ImportKeyOptions.ListedSince]) and spools every key's ID and
// state for buildIndex.
func (r *runner) resolveStarted(ctx context.Context, spool *index.Spool) error {
	// Rows by what identifies their key: public key, and scheme when the
	// record names it (a Dfns key of another scheme is another key).
	pending := map[keys.Identity][]int{}
	schemes := map[keys.Identity]keys.Scheme{}
	approvals := map[int]bool{} // rows waiting for a policy approval
	if err := r.journal.Scan(func(row int, rec journal.Record) error {
		if rec.Approval || rec.State == journal.StatePending {
			r.approvalsSeen.Store(true)
		}
		if (rec.State == journal.StateStarted || rec.State == journal.StatePending) && len(rec.PublicKey) > 0 {
			k := importbuild.Identity(rec.Scheme, rec.PublicKey) // public key only when the scheme is unknown
			pending[k] = append(pending[k], row)
			schemes[k] = rec.Scheme
			approvals[row] = rec.State == journal.StatePending
		}
		return nil
	}); err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	looks := 0
	r.listedAt = time.Now()
	err := r.opts.Client.ScanKeys(ctx, func(k *keys.Key) error {
		if looks == 0 {
			if err := spoolListed(spool, k); err != nil {
				return err
			}
		}
		if !k.Imported || k.Unusable() != "" {
			return nil
		}
		id := k.Identity()
		rows, ok := pending[id]
		if !ok {
			id = keys.Identity{PublicKey: id.PublicKey} // a record without its scheme
			if rows, ok = pending[id]; !ok {
				return nil
			}
		}
		pub, _ := hex.DecodeString(k.PublicKey)
		for _, row := range rows {
			if err := r.journal.Put(row, journal.Record{State: journal.StateImported, PublicKey: pub, KeyID: k.ID, Scheme: schemes[id], Approval: approvals[row]}); err != nil {
				return err
			}
		}
		delete(pending, id)
		return nil
	}, func() bool { looks++; return len(pending) > 0 })
	if err != nil {
		return fmt.Errorf("listing the organisation's keys (to skip keys Dfns already has and find those an interrupted run may have imported): %w", err)
	}
	for k, rows := range pending {
		for _, row := range rows {
			var err error
			switch {
			case approvals[row]:
				continue // still waiting for its approval: never resent
			case r.approvalsSeen.Load():
				// Imports here can wait for an approval: a row not found
				// may have been answered 202 just before a kill, before
				// that was recorded. Resending it could make two keys
				// once both are approved.
				pub, _ := hex.DecodeString(k.PublicKey)
				err = r.journal.Put(row, journal.Record{State: journal.StatePending, PublicKey: pub, Scheme: schemes[k], Approval: true})
			default:
				// Not found after three searches: it was never processed.
				err = r.journal.Put(row, journal.Record{State: journal.StateNone})
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// errMayAwaitApproval is the report error of a row whose import may have
// been sent, in a journal that has seen policy approvals.
var errMayAwaitApproval = errors.New("the import may have been sent by an interrupted run and may wait for a policy approval (this journal has seen approvals), so it is not sent again; rerun once pending approvals are settled (if it was rejected or never sent, import this row with a new journal)")

// process imports a row, or answers it from the journal when an earlier
// run imported it (only rows still to prove get here), and proves it when
// the options ask.
func (r *runner) process(ctx context.Context, row *rows.Row) ReportLine {
	if line, done := r.fromJournal(row); done {
		rec, err := r.journal.Get(row.Number)
		if err != nil {
			return line
		}
		return r.prove(ctx, row.Number, line, rec.Scheme)
	}
	var scheme keys.Scheme
	line := r.importRow(ctx, row, &scheme)
	return r.prove(ctx, row.Number, line, scheme)
}

// needsProof reports whether a row the journal answered must still be
// proved: with Prove, every row the journal calls imported is, since a
// proof recorded by an earlier run is asked of Dfns again.
func (r *runner) needsProof(line ReportLine) bool {
	return r.opts.Prove && !r.dryRun && line.Status == StatusAlreadyImported && line.Proved == nil
}

// prove has Dfns sign with the row's key and verifies the signature under
// the row's public key (computed from its secret). The request's
// externalId is recorded in the journal before it is sent, and success
// after, so a proof killed midway is finished by the rerun with the same
// request; a proof recorded as done is asked of Dfns again, which answers
// with the request it signed (docs/threat-model.md §8).
func (r *runner) prove(ctx context.Context, rowNum int, line ReportLine, scheme keys.Scheme) ReportLine {
	if !r.opts.Prove || r.dryRun || line.KeyID == "" || line.Proved != nil ||
		(line.Status != StatusImported && line.Status != StatusAlreadyImported) {
		return line
	}
	proved := false
	line.Proved = &proved
	pub, err := hex.DecodeString(line.PublicKey)
	if err != nil || scheme == (keys.Scheme{}) {
		line.ProofError = "the row's scheme or public key is unknown (a journal from an older version): prove the key with 'dfnskeys prove " + line.KeyID + "'"
		line.proofReason = "the row's scheme is unknown (a journal from an older version): prove such keys with 'dfnskeys prove KEY_ID'"
		return line
	}
	rec, err := r.journal.Get(rowNum)
	journaled := err == nil && rec.State == journal.StateImported && rec.KeyID == line.KeyID
	ext := proof.ExternalID(line.KeyID, pub)
	asked := journaled && rec.ProofExternalID != "" // by an earlier run
	if asked {
		ext = rec.ProofExternalID // the request an earlier run asked for
	}
	line.ProofExternalID = ext
	if journaled && rec.ProofExternalID != ext {
		rec.ProofExternalID = ext
		if err := r.journal.Put(rowNum, rec); err != nil {
			line.ProofError = fmt.Sprintf("recording the proof's externalId in the journal failed, so the proof was not asked for: %v", err)
			line.proofReason = "recording the proof's externalId in the journal failed"
			return line
		}
	}
	k := &keys.Key{ID: line.KeyID, Scheme: scheme.SignatureAlgorithm(), Curve: scheme.Curve, PublicKey: line.PublicKey}
	popts := dfnskeys.ProveOptions{PublicKey: pub, ExternalID: ext}
	err = errors.New("not checked")
	if asked {
		// An earlier run asked for this request (and may have seen it
		// signed): ask Dfns for it with reads only. Whatever the check
		// finds short of a verified signature, the proof is asked for
		// again with the same externalId, which Dfns answers with that
		// same request.
		_, err = r.opts.Client.CheckProof(ctx, k, popts)
	}
	if err != nil {
		_, err = r.opts.Client.ProveKey(ctx, k, popts)
	}
	if err != nil {
		var pending *dfnskeys.PolicyPendingError
		var perr *dfnskeys.ProofError
		line.ProofError, line.proofReason = err.Error(), "the proof failed (see each row's proofError)"
		switch {
		case errors.As(err, &pending):
			line.ProofError = "a policy holds the signature request for approval; approve it, then rerun with --prove"
			line.proofReason = line.ProofError
		case errors.As(err, &perr) && perr.Incomplete:
			line.ProofIncomplete = true
			line.proofReason = "the network kept the proof from completing (see each row's proofError); rerun to finish: the rerun asks Dfns for the same signature requests"
		case errors.Is(err, signatures.ErrInvalid):
			line.proofReason = "the signature Dfns returned does not verify under the row's public key"
		}
		if journaled && !line.ProofIncomplete && !errors.As(err, &pending) {
			// Dfns answered this request for good (failed, rejected, or a
			// signature that does not verify): asked again with the same
			// externalId, it would answer the same. The next run asks
			// for a new request, under an externalId recorded before it
			// is sent.
			rec.ProofExternalID = proof.NewExternalID()
			if jerr := r.journal.Put(rowNum, rec); jerr != nil {
				line.ProofError += fmt.Sprintf(" (recording a new externalId for the next run failed: %v)", jerr)
			}
		}
		return line
	}
	proved = true
	if journaled && !rec.Proved {
		rec.Proved = true
		if err := r.journal.Put(rowNum, rec); err != nil {
			// Proved in this run; the journal's flag is only informative.
			line.ProofError = fmt.Sprintf("proved, but recording it failed: %v", err)
			line.proofReason = "proved, but recording it in the journal failed"
		}
	}
	return line
}

// importRow imports one row; it sets *schemeOut once the row's scheme is
// known.
// describeRowKey sets line's public key and addresses for the row's key
// (curve c, public key pub), checks the row's expectedAddress against
// them, and returns the row's scheme (its protocol, or the curve's
// default). Import and Split describe a row the same way.
func describeRowKey(row *rows.Row, c keys.Curve, pub []byte, line *ReportLine) (keys.Scheme, error) {
	line.PublicKey = hex.EncodeToString(pub)
	a, err := address.ForKey(c, pub)
	if err != nil {
		return keys.Scheme{}, err
	}
	line.Addresses = &a
	if _, ok := a.Match(row.ExpectedAddress); row.ExpectedAddress != "" && !ok {
		if secretish.Looks(row.ExpectedAddress) { // a key pasted in the wrong column is never shown
			return keys.Scheme{}, errors.New("the key does not have the expected address (not shown: it looks like a secret, not an address)")
		}
		return keys.Scheme{}, fmt.Errorf("the key does not have the expected address %s", safetext.Text(row.ExpectedAddress))
	}
	scheme := keys.Scheme{Protocol: keys.Protocol(row.Protocol), Curve: c}
	if scheme.Protocol == "" {
		scheme.Protocol = keys.DefaultProtocol(c)
	}
	if err := scheme.Validate(); err != nil {
		return keys.Scheme{}, err
	}
	return scheme, nil
}

func (r *runner) importRow(ctx context.Context, row *rows.Row, schemeOut *keys.Scheme) ReportLine {
	line := newLine(row)
	fail := func(err error) ReportLine {
		line.Status, line.Error = StatusFailed, err.Error()
		return line
	}
	key, err := r.loadRow(row) // a private key, or a request made offline
	if err != nil {
		return fail(err)
	}
	defer key.Destroy()
	scheme, err := describeRowKey(row, key.Curve(), key.PublicKey(), &line)
	if err != nil {
		return fail(err)
	}
	*schemeOut = scheme
	fp := index.Of(importbuild.Identity(scheme, key.PublicKey()))
	prior, release, err := r.claim(fp, row.Number)
	if err != nil {
		return fail(err)
	}
	defer release()
	if r.dryRun {
		line.Status = StatusValid
		if prior != nil {
			line.DuplicateOf = prior.Row
		} else if err := r.index.Put(fp, index.Entry{Row: row.Number}, false); err != nil {
			return fail(err)
		}
		return line
	}

	rec, err := r.journal.Get(row.Number)
	if err != nil {
		return fail(err)
	}
	if rec.State == journal.StateRejected {
		line.KeyID = rec.KeyID
		return fail(fmt.Errorf("an earlier run's import created key %s with a different public key: investigate it with Dfns; this row is not imported again", safetext.Text(rec.KeyID)))
	}
	if rec.State == journal.StatePending {
		// The startup search did not find the key: not approved yet.
		// Resending would make a second request that, once approved,
		// would create a second key.
		if rec.KeyID == "" {
			return fail(errMayAwaitApproval)
		}
		return fail(fmt.Errorf("the import waits for policy approval %s and is not sent again; rerun once it is approved (if it is rejected, import this row with a new journal)", safetext.Text(rec.KeyID)))
	}
	// Whether Dfns already holds the key is the client's look-up, in the
	// organisation as listed at the start of the run (and this run's own
	// imports); a row an interrupted run may have sent is looked for
	// afresh.
	uncertain := rec.State == journal.StateUncertain || rec.State == journal.StateStarted
	popts := dfnskeys.ImportKeyOptions{Target: r.target, Protocol: scheme.Protocol, Name: row.Name, ListedSince: r.listedAt}
	if uncertain {
		popts.ListedSince = time.Time{}
	}
	var plan *dfnskeys.ImportPlan
	lookUp := func() (ReportLine, bool) {
		var err error
		if key.plan != nil {
			plan, err = r.opts.Client.PlanImportRequest(ctx, key.plan, popts)
		} else {
			plan, err = r.opts.Client.PlanImport(ctx, key.key, popts)
		}
		if err != nil {
			return fail(err), true // a failed look-up says so, and that nothing was sent
		}
		if plan.Existing == nil {
			return line, false
		}
		found := plan.Existing
		if err := r.journal.Put(row.Number, journal.Record{State: journal.StateImported, PublicKey: key.PublicKey(), KeyID: found.ID, Scheme: scheme, Approval: rec.Approval}); err != nil {
			return fail(err), true
		}
		if err := r.markListed(found.ID); err != nil {
			return fail(err), true
		}
		if err := r.index.Put(fp, index.Entry{Row: row.Number}, false); err != nil {
			return fail(err), true
		}
		line.KeyID, line.Status = found.ID, StatusAlreadyImported
		return line, true
	}
	if uncertain {
		// A torn record, or a started row the startup search missed.
		if l, done := lookUp(); done {
			return l
		}
		if r.approvalsSeen.Load() {
			if err := r.journal.Put(row.Number, journal.Record{State: journal.StatePending, PublicKey: key.PublicKey(), Scheme: scheme, Approval: true}); err != nil {
				return fail(err)
			}
			return fail(errMayAwaitApproval)
		}
	}
	if prior != nil {
		if l, done := r.settleDuplicate(row, key.PublicKey(), scheme, *prior, line); done {
			return l
		}
	}
	if plan == nil {
		if l, done := lookUp(); done {
			return l
		}
	}
	if err := r.journal.Put(row.Number, journal.Record{State: journal.StateStarted, PublicKey: key.PublicKey(), Scheme: scheme}); err != nil {
		return fail(err)
	}
	if err := r.index.Put(fp, index.Entry{Row: row.Number}, false); err != nil {
		return fail(err)
	}
	if key.plan != nil && key.plan.Request.Protocol != scheme.Protocol {
		return fail(fmt.Errorf("the import request is for protocol %s, not %s: nothing was sent", key.plan.Request.Protocol, scheme.Protocol))
	}
	res, err := r.opts.Client.SendImport(ctx, plan)
	var created *keys.Key
	if res != nil {
		created = res.Key
	}
	if err != nil {
		var pending *dfnskeys.PolicyPendingError
		var mismatch *dfnskeys.PublicKeyMismatchError
		switch {
		case errors.Is(err, dfnskeys.ErrAmbiguous):
			// Stays started: a rerun looks the key up first.
		case errors.As(err, &pending):
			// Durable before the run moves on: a rerun must know never to
			// resend this row, nor any row whose answer it lacks.
			r.approvalsSeen.Store(true)
			if jerr := r.journal.Put(row.Number, journal.Record{State: journal.StatePending, PublicKey: key.PublicKey(), KeyID: pending.ApprovalID, Scheme: scheme, Approval: true}); jerr != nil {
				r.fatal(fmt.Errorf("row %d's import waits for policy approval %s, but recording that failed (%v): the run stopped; do not rerun with this journal before checking the approval, or the row may be imported twice", row.Number, pending.ApprovalID, jerr))
			}
		case errors.As(err, &mismatch):
			line.KeyID = mismatch.KeyID
			if jerr := r.journal.Put(row.Number, journal.Record{State: journal.StateRejected, PublicKey: key.PublicKey(), KeyID: mismatch.KeyID, Scheme: scheme}); jerr != nil {
				r.fatal(fmt.Errorf("row %d's import created key %s with another public key, but recording that failed (%v): the run stopped", row.Number, safetext.Text(mismatch.KeyID), jerr))
			}
		default:
			// Nothing was created: a rerun may try again at once.
			_ = r.journal.Put(row.Number, journal.Record{State: journal.StateFailed, PublicKey: key.PublicKey(), Scheme: scheme})
		}
		return fail(err)
	}
	if err := r.journal.Put(row.Number, journal.Record{State: journal.StateImported, PublicKey: key.PublicKey(), KeyID: created.ID, Scheme: scheme}); err != nil {
		return fail(fmt.Errorf("imported as %s, but recording it failed: %w", created.ID, err))
	}
	if err := r.markListed(created.ID); err != nil {
		return fail(err)
	}
	line.KeyID, line.Status = created.ID, StatusImported
	return line
}

func (r *runner) loadKey(row *rows.Row) (*keys.PrivateKey, error) {
	format := row.Format
	if format == "" {
		format = string(keyformat.Hex)
	}
	f, err := keyformat.ParseFormat(format)
	if err != nil {
		return nil, err
	}
	c, err := keys.ParseCurve(row.Curve)
	if err != nil {
		return nil, err
	}
	path := row.KeyFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening keyFile %s: %w", row.KeyFile, errors.Unwrap(err))
	}
	defer fh.Close()
	if w := safefile.ExposedKeyFileWarning(fh, row.KeyFile); w != "" && r.opts.Notice != nil {
		r.opts.Notice(w)
	}
	data := make([]byte, maxKeyFile+1)
	defer clear(data)
	n, err := io.ReadFull(fh, data)
	if err == nil {
		return nil, fmt.Errorf("keyFile %s is larger than %d bytes", row.KeyFile, maxKeyFile)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("reading keyFile %s: %w", row.KeyFile, err)
	}
	if f == keyformat.Keystore { // scrypt's memory: one at a time, whatever the workers
		r.kdf.enter()
		defer r.kdf.leave()
	}
	return keyformat.Load(data[:n], keyformat.LoadOptions{Format: f, Curve: c, Path: row.Path, Ed25519Scalar: row.Kind == "scalar",
		Secret: func(f keyformat.Format) ([]byte, error) {
			if row.PasswordEnv != "" || row.PasswordFile != "" {
				return rowSecret(row, r.opts.LookupEnv, r.dir)
			}
			// Load clears what it is given: the run-wide secret is the
			// caller's, so it gets a copy.
			if f == keyformat.Keystore {
				return bytes.Clone(r.opts.Password), nil
			}
			return bytes.Clone(r.opts.Passphrase), nil
		}})
}

// openInput opens the input file, with an error that names it once.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("opening the input %s: %w", path, pe.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the input: %w", err)
	}
	return f, nil
}
