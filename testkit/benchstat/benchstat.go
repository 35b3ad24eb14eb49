// Package benchstat holds the figures the benchmarks print.
package benchstat

import (
	"os"
	"slices"
	"strings"
	"time"
)

// Percentile is the p-quantile (0–1) of d, nearest rank; d is not changed.
func Percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// LoadAverage is /proc/loadavg's first three fields, printed beside the
// figures: the machine may be busy with other work. "?" where there is no
// /proc.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
