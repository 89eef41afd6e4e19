package main

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func (h *cliHarness) environ() []string {
	env := os.Environ()
	for k, v := range h.vars {
		env = append(env, k+"="+v)
	}
	return env
}

// TestExportSIGINT interrupts the real binary. During the export
// response, Ctrl-C does not lose the key: the export is seen through and
// saved. Before the export is sent, Ctrl-C stops with nothing exported and
// no file left.
func TestExportSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	h := newCLIHarness(t)

	t.Run("during the response", func(t *testing.T) {
		key, id := h.importKey(t, keys.Ed25519)
		require.NoError(t, h.srv.SetFaults(sim.Fault{Kind: sim.DelayAfter, Route: sim.RouteExportKey, Count: 1, Wait: 3 * time.Second}))
		out := filepath.Join(h.dir, "during.json")
		cmd := exec.Command(bin, "export", id, "--out", out)
		cmd.Env = h.environ()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		// Dfns has exported the key; its response is held back.
		require.Eventually(t, func() bool { k, _ := h.srv.Key(id); return k.Key.Exported }, 30*time.Second, 5*time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		require.NoError(t, cmd.Wait(), stderr.String())
		require.Contains(t, stderr.String(), "interrupt: the export is under way; finishing it and saving the key")
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		got, err := keyformat.Parse(keyformat.JSON, keys.Ed25519, data, keyformat.Secrets{})
		require.NoError(t, err)
		require.True(t, got.Equal(key), "the key was saved")
	})

	t.Run("before the export", func(t *testing.T) {
		_, id := h.importKey(t, keys.Secp256k1)
		h.srv.SetLatency(20 * time.Second)
		defer h.srv.SetLatency(0)
		out := filepath.Join(h.dir, "before.json")
		cmd := exec.Command(bin, "export", id, "--out", out)
		cmd.Env = h.environ()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		// The GET /keys/{keyId} is on its way: the file exists already.
		require.Eventually(t, func() bool {
			for _, r := range h.srv.Requests() {
				if r.Method == "GET" && r.Path == "/keys/"+id {
					return true
				}
			}
			return false
		}, 30*time.Second, 5*time.Millisecond)
		require.FileExists(t, out)
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		err := cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, stderr.String())
		require.Equal(t, 1, exit.ExitCode())
		k, _ := h.srv.Key(id)
		require.False(t, k.Key.Exported, "nothing was exported")
		require.NoFileExists(t, out)
	})
}

// TestBulkExportSurvivesSIGKILL kills `dfnskeys bulk-export` with SIGKILL
// while exports are under way, a few times, then reruns it to the end: no
// partial (plaintext) file is left, every key's file holds that key, and
// no key with a file was exported again.
func TestBulkExportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	h := newCLIHarness(t)
	const n = 60
	originals := map[string]*keys.PrivateKey{}
	var input strings.Builder
	input.WriteString("keyId\n")
	for i := range n {
		k, id := h.importKey(t, []keys.Curve{keys.Secp256k1, keys.Ed25519, keys.Stark}[i%3])
		originals[id] = k
		fmt.Fprintln(&input, id)
	}
	in := filepath.Join(h.dir, "keys.csv")
	require.NoError(t, os.WriteFile(in, []byte(input.String()), 0o600))
	h.srv.SetLatency(5 * time.Millisecond)
	out := filepath.Join(h.dir, "out")
	args := []string{"bulk-export", "--input", in, "--out-dir", out, "--report", filepath.Join(h.dir, "report.jsonl"), "--format", "json", "--workers", "4"}
	exported := func() int {
		c := 0
		for _, k := range h.srv.Keys() {
			if k.Key.Exported {
				c++
			}
		}
		return c
	}
	kills := 0
	for kills < 3 {
		cmd := exec.Command(bin, args...)
		cmd.Env = h.environ()
		require.NoError(t, cmd.Start())
		more, _ := rand.Int(rand.Reader, big.NewInt(8))
		target := exported() + 2 + int(more.Int64())
		require.Eventually(t, func() bool { return exported() >= target || exported() == n }, 60*time.Second, time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		kills++
		if exported() == n {
			break
		}
	}
	before := h.exportCalls()
	hadFile := map[string]bool{}
	if entries, err := os.ReadDir(out); err == nil {
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				hadFile[strings.TrimSuffix(e.Name(), ".json")] = true
			}
		}
	}
	var stderr strings.Builder
	cmd := exec.Command(bin, args...)
	cmd.Env = h.environ()
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())

	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, n, "one file per key and nothing else")
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "."), "left behind: %s", e.Name())
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		require.NoError(t, err)
		k, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		require.NoError(t, err)
		id := strings.TrimSuffix(e.Name(), ".json")
		require.True(t, k.Equal(originals[id]), "%s holds its key", e.Name())
	}
	// The last run exported only keys that had no file yet.
	after := h.exportCalls()
	require.NotEmpty(t, hadFile)
	for id := range hadFile {
		require.Equal(t, before[id], after[id], "key %s had a file and was exported again", id)
	}
	// Only the exports in flight at a kill (at most one per worker) are
	// lost, and exported again.
	require.LessOrEqual(t, sum(after), n+4*kills)
	t.Logf("%d kills; %d export calls for %d keys", kills, sum(after), n)
}

func sum(m map[string]int) int {
	s := 0
	for _, v := range m {
		s += v
	}
	return s
}
