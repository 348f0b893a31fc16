//go:build !linux && !solaris

package main

// isTerminal never asks where gosof has no backend to act with anyway.
func isTerminal(int) bool { return false }

// terminalWidth: unknown here, so help is wrapped at $COLUMNS or 80.
func terminalWidth(int) int { return 0 }
