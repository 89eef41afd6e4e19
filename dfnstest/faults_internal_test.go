package dfnstest

import (
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// The kinds are converted to the simulator's by value.
func TestFaultKindsMatchTheSimulator(t *testing.T) {
	t.Parallel()
	for k, want := range map[FaultKind]sim.FaultKind{
		FailBefore: sim.FailBefore, RateLimit: sim.RateLimit, FailAfter: sim.FailAfter, DropResponse: sim.DropResponse,
		DelayAfter: sim.DelayAfter, PolicyApproval: sim.PolicyApproval, BadSignature: sim.BadSignature, Confirmed: sim.Confirmed,
	} {
		if sim.FaultKind(k) != want || k.String() != want.String() {
			t.Errorf("%v is %d; the simulator's %v is %d", k, int(k), want, int(want))
		}
	}
}
