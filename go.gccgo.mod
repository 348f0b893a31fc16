module github.com/gosof/gosof

go 1.18

require (
	github.com/google/go-cmp v0.5.9
	github.com/prometheus/procfs v0.9.0
	github.com/urfave/cli/v2 v2.27.7
	golang.org/x/sync v0.10.0
	golang.org/x/sys v0.6.0
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)

replace github.com/urfave/cli/v2 v2.27.7 => ./.gccgo/urfave-cli-v2
