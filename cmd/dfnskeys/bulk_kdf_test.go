//go:build linux

package main

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
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
	"golang.org/x/crypto/scrypt"
	"golang.org/x/crypto/sha3"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// Eight keystores at the most a keystore may cost (scrypt n = 2^19, r = 8:
// 512 MiB each, keyformat's limit), imported by the real binary with eight
// workers, take about the peak memory of one worker: key derivations run
// one at a time whatever --workers is. Before, each worker ran its own, and
// eight took eight times the memory (4.2 GB for four at n = 2^20). The
// peak RSS of both runs is logged (go test -v); the assertion is on memory,
// never on time.
func TestBulkImportKDFMemoryIndependentOfWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: sixteen 512 MiB scrypt derivations")
	}
	bin := buildBinary(t)
	// Full size (see longTests): eight keystores, eight workers against
	// one. By default three against one: three derivations at once would
	// still be 1.5 GiB against 512 MiB.
	const n, r, p = 1 << 19, 8, 1
	rows := scale(3, 8)
	password := []byte("costly but allowed")
	salt := make([]byte, 32)
	_, _ = rand.Read(salt)
	// One derivation here for all the files: they share the salt, and the
	// binary still derives each one's key on its own.
	dk, err := scrypt.Key(password, salt, n, r, p, 32)
	require.NoError(t, err)

	peak := map[int]int{}
	for _, workers := range []int{rows, 1} {
		srv := sim.NewServer(t)
		dir := t.TempDir()
		var input strings.Builder
		for i := range rows {
			name := fmt.Sprintf("k%d.json", i)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), costlyKeystore(t, dk, salt, n, r, p), 0o600))
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
		cmd.Env = append(os.Environ(), "DFNS_API_URL="+srv.URL(), "DFNS_AUTH_TOKEN="+srv.Token(), "DFNS_CRED_ID="+srv.CredentialID(), "DFNS_PRIVATE_KEY="+filepath.Join(dir, "cred.pem"), "DFNS_KEY_PASSWORD="+string(password))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run(), stderr.String())
		kb := int(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) // kB on Linux
		if timeV {
			sc := bufio.NewScanner(strings.NewReader(stderr.String()))
			for sc.Scan() {
				if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Maximum resident set size (kbytes): "); ok {
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
	// One derivation is 512 MiB: eight at once would be 4 GiB.
	require.Less(t, peak[rows], peak[1]+256<<10, "peak RSS with %d workers (%d MiB) is far above that with 1 (%d MiB): key derivations ran at the same time", rows, peak[rows]>>10, peak[1]>>10)
}

// costlyKeystore encrypts a fresh secp256k1 key as a V3 keystore whose
// scrypt parameters n, r, p derived dk from salt.
func costlyKeystore(t *testing.T, dk, salt []byte, n, r, p int) []byte {
	t.Helper()
	priv := freshCmdKey(t)
	defer priv.Destroy()
	plain := priv.Bytes()
	defer clear(plain)
	iv := make([]byte, aes.BlockSize)
	_, _ = rand.Read(iv)
	block, err := aes.NewCipher(dk[:16])
	require.NoError(t, err)
	ct := make([]byte, len(plain))
	cipher.NewCTR(block, iv).XORKeyStream(ct, plain)
	mac := sha3.NewLegacyKeccak256()
	mac.Write(dk[16:32])
	mac.Write(ct)
	return fmt.Appendf(nil, `{"version":3,"id":"00000000-0000-4000-8000-000000000000","crypto":{"cipher":"aes-128-ctr","ciphertext":%q,"cipherparams":{"iv":%q},"kdf":"scrypt","kdfparams":{"dklen":32,"n":%d,"r":%d,"p":%d,"salt":%q},"mac":%q}}`,
		hex.EncodeToString(ct), hex.EncodeToString(iv), n, r, p, hex.EncodeToString(salt), hex.EncodeToString(mac.Sum(nil)))
}
