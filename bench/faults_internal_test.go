package bench

import "testing"

// TestAnalyseFaults checks a fault's effect on synthetic seconds: the highest latency
// from its start until the first second back within twice the baseline, and the time
// from its end to that second.
func TestAnalyseFaults(t *testing.T) {
	iv := func(start, p99ms, maxms float64, received int64) Interval {
		return Interval{Start: start, Seconds: 1, Received: received, E2EP99: p99ms * 1e3, E2EMax: maxms * 1e3, PublishMax: maxms * 1e3 / 2}
	}
	intervals := []Interval{
		iv(0, 10, 900, 100), // before the fault: not counted in its maximum
		iv(1, 10, 12, 100),
		iv(2, 4000, 5000, 100), // the fault, from 2.5 s to 4.2 s
		iv(3, 0, 0, 0),         // nothing received
		iv(4, 4000, 4200, 500), // overlaps the window's end
		iv(5, 25, 30, 100),     // above 2 × 10 ms
		iv(6, 19, 22, 100),     // back
		iv(7, 9000, 9999, 100), // after recovery: not counted
	}
	records := []ActionRecord{
		{Do: ActionPauseBroker, AtS: 2.5, TookS: 1.7, Effect: &FaultEffect{BaselineP99Ms: 10}},
		{Do: ActionCutNetwork, AtS: 7.2, TookS: 0.5, Effect: &FaultEffect{BaselineP99Ms: 10}},
		{Do: ActionKillBroker, AtS: 3, Error: "failed", Effect: &FaultEffect{BaselineP99Ms: 10}},
		{Do: ActionScale, AtS: 3},
	}
	analyseFaults(records, intervals)
	e := records[0].Effect
	if e.MaxEndToEndMs != 5000 || e.MaxPublishMs != 2500 || e.RecoveredAfterS == nil || *e.RecoveredAfterS != 1.8 {
		t.Errorf("pause: %+v (recovered %v), want max 5000/2500 ms, back 1.8 s after its end", *e, e.RecoveredAfterS)
	}
	if e := records[1].Effect; e.RecoveredAfterS != nil || e.MaxEndToEndMs != 9999 {
		t.Errorf("cut at the end of the run: %+v, want max 9999 ms and no recovery", *e)
	}
	if e := records[2].Effect; e.MaxEndToEndMs != 0 {
		t.Errorf("a failed fault got an effect: %+v", *e)
	}
	if records[3].Effect != nil {
		t.Error("a scale action got an effect")
	}
}
