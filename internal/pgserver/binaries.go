package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrNotFound is returned by FindBinaries (possibly wrapped) when no
// PostgreSQL server binaries can be found. Its text is what an operator needs
// to read, so it is the whole message.
var ErrNotFound = errors.New("install PostgreSQL server binaries (e.g. `apt-get install postgresql`) or set DATABASE_URL to use an existing server")

// requiredBinaries are the programs a bin directory must hold. We exec only
// initdb and postgres, but a directory with pg_ctl too is a real server
// installation rather than a stray copy.
var requiredBinaries = []string{"initdb", "postgres", "pg_ctl"}

// versionedBinGlob is where Debian and Ubuntu install each major version side
// by side. It is a variable so tests can point it at an empty directory.
var versionedBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinaries returns the directory holding initdb, postgres and pg_ctl.
// It looks, in order, at $SCREENPOP_PG_BINDIR, at `pg_config --bindir`, at
// initdb on $PATH, and at /usr/lib/postgresql/*/bin (highest version first).
// An explicit $SCREENPOP_PG_BINDIR that lacks the binaries is an error rather
// than a reason to fall back, so a typo never silently picks another version.
func FindBinaries() (binDir string, err error) {
	if dir := os.Getenv("SCREENPOP_PG_BINDIR"); dir != "" {
		if err := checkBinDir(dir); err != nil {
			return "", fmt.Errorf("SCREENPOP_PG_BINDIR=%s: %v: %w", dir, err, ErrNotFound)
		}
		return dir, nil
	}

	// pg_config may come from libpq-dev without the server, hence the check.
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); checkBinDir(dir) == nil {
				return dir, nil
			}
		}
	}

	if initdb, err := exec.LookPath("initdb"); err == nil {
		// Prefer the directory a symlink points into: postgres locates its
		// share/ and lib/ relative to its real path anyway, and the real
		// directory is the one that has the siblings.
		if real, err := filepath.EvalSymlinks(initdb); err == nil && checkBinDir(filepath.Dir(real)) == nil {
			return filepath.Dir(real), nil
		}
		if dir := filepath.Dir(initdb); checkBinDir(dir) == nil {
			return dir, nil
		}
	}

	for _, dir := range versionedBinDirs() {
		if checkBinDir(dir) == nil {
			return dir, nil
		}
	}
	return "", ErrNotFound
}

// versionedBinDirs lists versionedBinGlob's matches, highest major first.
func versionedBinDirs() []string {
	dirs, _ := filepath.Glob(versionedBinGlob)
	slices.SortStableFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	return dirs
}

// compareVersions compares dotted numeric versions ("9.6" < "15"), treating
// anything unparsable as zero.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func checkBinDir(dir string) error {
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("no %s", name)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", name)
		}
	}
	return nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// binariesMajor returns the major version of the postgres binary in binDir.
func binariesMajor(binDir string) (string, error) {
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", filepath.Join(binDir, "postgres"), err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("cannot parse postgres version from %q", strings.TrimSpace(string(out)))
	}
	return string(m[1]), nil
}

// binDirForCluster returns a bin directory whose major version matches an
// existing cluster's PG_VERSION. PostgreSQL cannot open a data directory of
// another major version, and after an upgrade installs a newer version next
// to the old one, FindBinaries would otherwise pick the newer.
func binDirForCluster(found, clusterMajor string) (string, error) {
	major, err := binariesMajor(found)
	if err != nil {
		return "", err
	}
	if major == clusterMajor {
		return found, nil
	}
	for _, dir := range versionedBinDirs() {
		if filepath.Base(filepath.Dir(dir)) == clusterMajor && checkBinDir(dir) == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("the data directory was created by PostgreSQL %s but the binaries in %s are PostgreSQL %s: install PostgreSQL %s, set SCREENPOP_PG_BINDIR to its bin directory, or upgrade the cluster with pg_upgrade",
		clusterMajor, found, major, clusterMajor)
}
