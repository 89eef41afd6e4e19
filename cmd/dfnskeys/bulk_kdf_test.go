//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// Eight keystores at the most a keystore may cost (scrypt n = 2^19, r = 8:
// 512 MiB each, keyformat's limit), imported by the real binary with eight
// workers, take about the peak memory of one worker: key derivations run
// one at a time whatever --workers is. Before, each worker ran its own, and
// eight took eight times the memory (4.2 GB for four at n = 2^20). The
// keystores are testdata/kdf/k*.json (made once by testdata/kdf/gen.go, so
// that the test process, slow under -race, derives nothing itself). The
// peak RSS of both runs is logged (go test -v); the assertion is on memory,
// never on time.
func TestBulkImportKDFMemoryIndependentOfWorkers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: 512 MiB scrypt derivations")
	}
	bin := buildBinary(t)
	// Full size (see longTests): eight keystores, eight workers against
	// one. By default two against one: two derivations at once would
	// still be 1 GiB against 512 MiB.
	rows := scale(2, 8)
	const password = "costly but allowed"

	peak := map[int]int{}
	for _, workers := range []int{rows, 1} {
		srv := sim.NewServer(t)
		dir := t.TempDir()
		var input strings.Builder
		for i := range rows {
			name := fmt.Sprintf("k%d.json", i)
			data, err := os.ReadFile(filepath.Join("testdata", "kdf", name))
			require.NoError(t, err)
			require.Contains(t, string(data), `"n":524288,"p":1,"r":8`, "testdata/kdf/%s is not at the keystore cost limit", name)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
			fmt.Fprintf(&input, `{"keyFile":%q,"format":"keystore","curve":"secp256k1"}`+"\n", name)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(input.String()), 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cred.pem"), srv.CredentialPEM(), 0o600))
		report := filepath.Join(dir, "report.jsonl")
		args := []string{bin, "bulk-import", "--input", filepath.Join(dir, "in.jsonl"), "--journal", filepath.Join(dir, "j"), "--report", report, "--workers", strconv.Itoa(workers)}
		timeV := false
		if _, err := os.Stat("/usr/bin/time"); err == nil {
			args, timeV = append([]string{"/usr/bin/time", "-v"}, args...), true
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DFNS_API_URL="+srv.URL(), "DFNS_AUTH_TOKEN="+srv.Token(), "DFNS_CRED_ID="+srv.CredentialID(), "DFNS_PRIVATE_KEY="+filepath.Join(dir, "cred.pem"), "DFNS_KEY_PASSWORD="+password)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run(), stderr.String())
		kb := int(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) // kB on Linux
		if timeV {
			sc := bufio.NewScanner(strings.NewReader(stderr.String()))
			for sc.Scan() {
				if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Maximum resident set size (kbytes): "); ok {
					var err error
					kb, err = strconv.Atoi(v)
					require.NoError(t, err)
				}
			}
		}
		peak[workers] = kb
		t.Logf("--workers %d: peak RSS %d MiB (%d kB)", workers, kb>>10, kb)

		data, err := os.ReadFile(report)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		require.Len(t, lines, rows)
		for _, line := range lines {
			var l bulk.ReportLine
			require.NoError(t, json.Unmarshal([]byte(line), &l))
			require.Equal(t, bulk.StatusImported, l.Status, l.Error)
		}
		require.Equal(t, rows, srv.KeyCount())
	}
	// One derivation is 512 MiB: two at once would be 1 GiB.
	require.Less(t, peak[rows], peak[1]+256<<10, "peak RSS with %d workers (%d MiB) is far above that with 1 (%d MiB): key derivations ran at the same time", rows, peak[rows]>>10, peak[1]>>10)
}
