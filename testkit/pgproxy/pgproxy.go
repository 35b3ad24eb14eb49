// Package pgproxy puts a switchable proxy between a test and PostgreSQL, so
// a test can take "the database" away from one pool and give it back
// (an outage, a restart) without touching the server other tests share.
package pgproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Proxy forwards connections to one PostgreSQL server while it is up.
type Proxy struct {
	t       testing.TB
	network string // of the target: unix or tcp
	target  string
	lnPath  string // the proxy's Unix socket

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

// New starts a proxy in front of dsn's server and returns it with a DSN
// that connects through it. It stops when the test ends.
func New(t testing.TB, dsn string) (*Proxy, string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, conns: map[net.Conn]struct{}{}}
	if filepath.IsAbs(cfg.Host) {
		p.network, p.target = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	} else {
		p.network, p.target = "tcp", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	}
	// A short directory: a socket path must fit in about 100 bytes.
	dir, err := os.MkdirTemp("", "pgp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Down(); os.RemoveAll(dir) })
	p.lnPath = filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	p.Up()

	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("pgproxy: want a postgres:// DSN, got %q", dsn)
	}
	q := u.Query()
	q.Set("host", dir)
	q.Set("port", fmt.Sprint(cfg.Port))
	u.Host = ""
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	u.RawQuery = q.Encode()
	return p, u.String()
}

// Up (re)opens the proxy's socket.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	_ = os.Remove(p.lnPath)
	ln, err := net.Listen("unix", p.lnPath)
	if err != nil {
		p.t.Fatal(err)
	}
	p.ln = ln
	go p.accept(ln)
}

// Down closes the socket and every connection through it, as a server
// that stops does: clients see their connections end and new ones refused.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) forward(client net.Conn) {
	server, err := net.Dial(p.network, p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client, server) {
		_ = client.Close()
		_ = server.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			_ = err // a cut connection: nothing to report
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	_ = client.Close()
	_ = server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}
