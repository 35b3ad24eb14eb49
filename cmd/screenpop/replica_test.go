package main_test

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/screenpop/screenpop/testkit/pgcluster"
)

// `serve` with SCREENPOP_DATABASE_REPLICA_URL: the standby is sampled and
// used for the pops' reads, as the metrics show (engine/pops'
// TestPopsReadFromReplica covers lag and outages).
func TestServeReadsPopsFromReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a primary and a standby")
	}
	pair := pgcluster.Start(t)
	dir := t.TempDir()
	s := startServer(t, nil, "DATABASE_URL="+pair.Primary.DSN("postgres"),
		"SCREENPOP_DATABASE_REPLICA_URL="+pair.Standby.DSN("postgres"), "SCREENPOP_REPLICA_MAX_LAG=3s",
		"SCREENPOP_MASTER_KEY_FILE="+filepath.Join(dir, "master.key"), "SCREENPOP_CREATE_MASTER_KEY=1", "SCREENPOP_DATA_DIR="+dir)
	if err := pair.WaitReplayed(t.Context()); err != nil {
		t.Fatal(err)
	}
	replicaReads := regexp.MustCompile(`screenpop_pop_db_reads_total\{server="replica"\} (\d+)`)
	replicaUp := regexp.MustCompile(`screenpop_replica_up\{replica="[^"]+"\} 1`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		// An anonymous pop is refused, after reading the tenant and its
		// platform settings.
		resp, err := http.Get(s.URL + "/pop/demo/1?callerNum=13800138000")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		metrics := getBody(t, s.MetricsURL+"/metrics")
		if m := replicaReads.FindStringSubmatch(metrics); m != nil && replicaUp.MatchString(metrics) {
			if n, _ := strconv.Atoi(m[1]); n > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pop read served by the replica:\n%s", metrics)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
