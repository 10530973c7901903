package web

import (
	"net"
	"sync"
)

// DefaultMaxConnections caps the connections `pakiti serve` holds open
// when the open-file limit allows more: each one costs a goroutine and
// its buffers (tens of KiB), so the cap also bounds that memory.
const DefaultMaxConnections = 4096

// fdReserve is the file descriptors kept for everything but client
// connections: the database and its journal, logs, outgoing imports.
const fdReserve = 128

// ConnectionLimit is the connection cap for a process whose open-file
// limit is nofile (0: unknown): want when set, DefaultMaxConnections
// otherwise, and in either case below nofile by fdReserve.
func ConnectionLimit(want int, nofile uint64) int {
	n := want
	if n <= 0 {
		n = DefaultMaxConnections
	}
	if nofile > 0 && uint64(n)+fdReserve > nofile {
		n = 16 // the least that serves
		if nofile > fdReserve+16 {
			n = int(nofile - fdReserve)
		}
	}
	return n
}

// LimitListener returns a Listener that holds at most n accepted
// connections open at once: Accept waits while n are open, leaving new
// ones in the kernel's queue (golang.org/x/net/netutil.LimitListener does
// the same; this module does not depend on x/net).
func LimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
