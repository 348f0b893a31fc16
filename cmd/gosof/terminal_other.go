//go:build !linux && !solaris

package main

// isTerminal never asks where gosof has no backend to act with anyway.
func isTerminal(int) bool { return false }
