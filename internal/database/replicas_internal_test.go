package database

import (
	"database/sql"
	"testing"
	"time"
)

func TestComputeLag(t *testing.T) {
	now := time.Now()
	samples := []lsnSample{{now.Add(-3 * time.Second), 0x100}, {now.Add(-2 * time.Second), 0x200}, {now.Add(-100 * time.Millisecond), 0x300}}
	lsn := func(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
	age := func(s float64) sql.NullFloat64 { return sql.NullFloat64{Float64: s, Valid: s >= 0} }
	tests := []struct {
		name      string
		recovery  bool
		replay    sql.NullString
		replayAge sql.NullFloat64
		samples   []lsnSample
		want      time.Duration
	}{
		// An idle primary: the last commit is an hour old, but the
		// standby has everything the primary has.
		{"caught up, idle primary", true, lsn("0/300"), age(3600), samples, 0},
		{"ahead of the last sample", true, lsn("0/400"), age(3600), samples, 0},
		// Behind: the newest primary position it has reached is 2 s old.
		{"behind, bounded by the samples", true, lsn("0/250"), age(3600), samples, 2 * time.Second},
		{"behind, bounded by the last commit", true, lsn("0/250"), age(0.5), samples, 500 * time.Millisecond},
		{"behind every sample", true, lsn("0/50"), age(10), samples, 10 * time.Second},
		{"no replay position", true, lsn(""), age(1), samples, NoLagKnown},
		{"promoted", false, lsn(""), age(-1), samples, 0},
		{"primary never sampled", true, lsn("0/50"), age(-1), nil, NoLagKnown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := computeLag(now, tt.recovery, tt.replay, tt.replayAge, tt.samples)
			if d := got - tt.want; d < -50*time.Millisecond || d > 50*time.Millisecond {
				t.Fatalf("lag %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16_B374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, err := parseLSN(in); err != nil || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "x/1", "1/100000000"} {
		if _, err := parseLSN(bad); err == nil {
			t.Errorf("parseLSN(%q) accepted", bad)
		}
	}
}
