package pgserver

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runAs is the OS identity initdb and postgres run under. A nil *runAs means
// "as ourselves": only root has to switch, because PostgreSQL refuses to run
// as root.
type runAs struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
}

// chooseRunAs decides who owns and runs the cluster. Root runs an existing
// cluster as whoever owns its data directory (so a cluster created earlier
// by an ordinary user keeps working), and a new one as the "postgres" user.
func chooseRunAs(dataDir string, initialized bool) (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if initialized {
		fi, err := os.Stat(dataDir)
		if err != nil {
			return nil, err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil, errors.New("cannot read the owner of the data directory")
		}
		if st.Uid == 0 {
			return nil, fmt.Errorf("data directory %s is owned by root; PostgreSQL cannot run as root: chown -R postgres: %s", dataDir, dataDir)
		}
		u, err := user.LookupId(strconv.FormatUint(uint64(st.Uid), 10))
		if err != nil {
			// An owner without a passwd entry (e.g. a uid from another
			// container) still works; it just has no supplementary groups.
			return &runAs{name: strconv.FormatUint(uint64(st.Uid), 10), uid: st.Uid, gid: st.Gid}, nil
		}
		return fromUser(u)
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a \"postgres\" OS user to own the cluster, because PostgreSQL refuses to run as root (the postgresql package creates it; or: useradd --system postgres): %w", err)
	}
	return fromUser(u)
}

func fromUser(u *user.User) (*runAs, error) {
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	r := &runAs{name: u.Username, uid: uint32(uid), gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				r.groups = append(r.groups, uint32(g))
			}
		}
	}
	return r, nil
}

// credential returns the SysProcAttr credential for the child, or nil to run
// as ourselves. Setting Groups (even to the user's own list) also drops
// root's supplementary groups.
func (r *runAs) credential() *syscall.Credential {
	if r == nil {
		return nil
	}
	groups := r.groups
	if groups == nil {
		groups = []uint32{}
	}
	return &syscall.Credential{Uid: r.uid, Gid: r.gid, Groups: groups}
}

// chown gives path to the run-as user; a no-op when running as ourselves.
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	return os.Chown(path, int(r.uid), int(r.gid))
}

// ensureTraversable makes every ancestor of dir searchable by the run-as user.
// Root's own directories are often 0700 (/root, os.MkdirTemp results), and
// postgres, running as another user, must be able to reach its data and
// socket directories. Only the o+x bit is added: it lets others pass through
// a directory without listing or reading it.
func (r *runAs) ensureTraversable(dir string, log *slog.Logger) error {
	if r == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		traversable := fi.Mode().Perm()&0o001 != 0 ||
			(ok && st.Uid == r.uid && fi.Mode().Perm()&0o100 != 0)
		if !traversable {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("make %s traversable for user %s: %w", p, r.name, err)
			}
			log.Info("pgserver: added o+x to a parent directory so the PostgreSQL user can reach its files",
				"dir", p, "user", r.name)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
