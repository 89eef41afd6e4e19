package sharding

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"math/big"
	"os/exec"
	"regexp"
	"runtime"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
	"github.com/stretchr/testify/require"
)

// starkAddCT and starkSubCT agree with gnark-crypto's Add and Sub, on
// random values and on the edges of the reduction.
func TestStarkAddSubCT(t *testing.T) {
	t.Parallel()
	q := fr.Modulus()
	edge := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(q, big.NewInt(1)), new(big.Int).Sub(q, big.NewInt(2)), new(big.Int).Rsh(q, 1), new(big.Int).Add(new(big.Int).Rsh(q, 1), big.NewInt(1))}
	var vals []fr.Element
	for _, v := range edge {
		var e fr.Element
		e.SetBigInt(v)
		vals = append(vals, e)
	}
	for range 200 {
		var e fr.Element
		_, err := e.SetRandom()
		require.NoError(t, err)
		vals = append(vals, e)
	}
	_ = rand.Reader
	for i := range vals {
		for j := range vals {
			if i > 20 && j > 20 && (i+j)%7 != 0 {
				continue
			}
			var want, got fr.Element
			want.Add(&vals[i], &vals[j])
			starkAddCT(&got, &vals[i], &vals[j])
			require.Equal(t, want, got, "add %d %d", i, j)
			want.Sub(&vals[i], &vals[j])
			starkSubCT(&got, &vals[i], &vals[j])
			require.Equal(t, want, got, "sub %d %d", i, j)
		}
	}
}

// TestStarkAddSubCTHasNoBranches disassembles this test binary and checks
// that starkAddCT and starkSubCT contain no conditional jump: their timing
// cannot depend on the values. (Go may add a stack-growth check, a
// conditional jump on the stack pointer, in the function prologue; these
// functions are leaves with small frames and get none today; the test
// would notice.)
func TestStarkAddSubCTHasNoBranches(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("the instruction check knows amd64 and arm64")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to disassemble with")
	}
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	// The binary go test runs has no symbol table: build one that has.
	bin := t.TempDir() + "/sharding.test"
	if out, err := exec.Command(goTool, "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	for _, fn := range []string{"starkAddCT", "starkSubCT"} {
		out, err := exec.Command(goTool, "tool", "objdump", "-s", `sharding\.`+fn+`$`, bin).CombinedOutput()
		require.NoError(t, err, string(out))
		var insns int
		cond := regexp.MustCompile(`\s(J(?:A|AE|B|BE|C|CS|CC|E|EQ|G|GE|L|LE|NA|NAE|NB|NBE|NC|NE|NG|NGE|NL|NLE|NO|NP|NS|NZ|O|P|PE|PO|S|Z|CXZ|ECXZ|RCXZ|LS|HI|LO|HS|MI|PL)|B\.[A-Z]{2}|CBN?Z|TBN?Z)\s`)
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			line := sc.Text()
			if !bytes.Contains([]byte(line), []byte("stark_ct.go")) {
				continue
			}
			insns++
			require.False(t, cond.MatchString(line), "%s has a conditional branch: %s", fn, line)
		}
		require.Greater(t, insns, 10, "%s was found in the disassembly", fn)
	}
}

func BenchmarkStarkScalarAddSub(b *testing.B) {
	x, _ := Stark.randomScalar(rand.Reader)
	y, _ := Stark.randomScalar(rand.Reader)
	xs, ys := x.(*starkScalar).s, y.(*starkScalar).s
	var z fr.Element
	b.Run("gnark Add", func(b *testing.B) {
		for b.Loop() {
			z.Add(&xs, &ys)
		}
	})
	b.Run("AddCT", func(b *testing.B) {
		for b.Loop() {
			starkAddCT(&z, &xs, &ys)
		}
	})
	b.Run("gnark Sub", func(b *testing.B) {
		for b.Loop() {
			z.Sub(&xs, &ys)
		}
	})
	b.Run("SubCT", func(b *testing.B) {
		for b.Loop() {
			starkSubCT(&z, &xs, &ys)
		}
	})
}
