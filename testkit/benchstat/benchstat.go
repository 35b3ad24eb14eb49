// Package benchstat holds the figures the benchmarks print.
package benchstat

import (
	"slices"
	"time"
)

// Percentile is the p-quantile (0–1) of d, nearest rank; d is not changed.
func Percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
