package web

import (
	"net"
	"testing"
	"time"
)

func TestConnectionLimit(t *testing.T) {
	tests := []struct {
		name   string
		want   int
		nofile uint64
		cap    int
	}{
		{"default, large limit", 0, 1 << 20, DefaultMaxConnections},
		{"default, unknown limit", 0, 0, DefaultMaxConnections},
		{"default above a 1024 limit", 0, 1024, 1024 - fdReserve},
		{"asked, fits", 500, 20000, 500},
		{"asked above the limit", 50000, 20000, 20000 - fdReserve},
		{"tiny limit", 0, 100, 16},
		{"infinity", 0, ^uint64(0), DefaultMaxConnections},
	}
	for _, tt := range tests {
		if got := ConnectionLimit(tt.want, tt.nofile); got != tt.cap {
			t.Errorf("%s: ConnectionLimit(%d, %d) = %d, want %d", tt.name, tt.want, tt.nofile, got, tt.cap)
		}
	}
}

// TestLimitListener: with 2 connections open, a third is accepted only
// once one of them closes.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	<-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	first.Close() // twice: releases once
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the third connection was not accepted after one closed")
	}
}
