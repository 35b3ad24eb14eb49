//go:build !unix

package querycustomer

import "syscall"

// closedWhileIdle cannot peek here: a closed connection shows up as a
// failed query, as with fasthttp's own pool.
func closedWhileIdle(syscall.Conn) bool { return false }
