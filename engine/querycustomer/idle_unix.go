//go:build unix

package querycustomer

import "syscall"

// closedWhileIdle peeks at an idle connection's socket without waiting. A
// healthy one has nothing to read. End of stream or a reset means the
// server closed it; bytes nobody asked for (under TLS, the server's
// close_notify alert, which TLS 1.3 encrypts like any other record) make
// it unusable as well. Peeking leaves the bytes where they are.
func closedWhileIdle(conn syscall.Conn) bool {
	rc, err := conn.SyscallConn()
	if err != nil {
		return true
	}
	closed := true
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, perr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = perr != syscall.EAGAIN
		return true // never wait for readiness
	})
	return closed || err != nil
}
