package report

// Limits bound what a report may hold; every value comes from the network.
type Limits struct {
	MaxBytes       int64 // whole body
	MaxPackages    int
	MaxLine        int // bytes in one line
	MaxField       int // bytes in one package field or header value
	MaxHeaderLines int

	asciiOnly bool // set by Parse: the body has no byte >= 0x80
}

// DefaultLimits fit the largest real hosts (tens of thousands of packages)
// with a wide margin, and nothing much larger.
var DefaultLimits = Limits{
	MaxBytes:       32 << 20,
	MaxPackages:    100_000,
	MaxLine:        4096,
	MaxField:       1024,
	MaxHeaderLines: 256,
}
