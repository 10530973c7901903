// Command pakiti-client reports the packages installed on this host (or on
// a system mounted under --root) to a Pakiti server. It is a drop-in
// replacement for the Perl pakiti-client: same options, same configuration
// file, same report; it sends protocol 6 (source packages, os-release,
// pending reboot) to servers that take it and protocol 5 to the others.
// See --help.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pakiti-go/pakiti/internal/buildinfo"
	"github.com/pakiti-go/pakiti/internal/collect"
	"github.com/pakiti-go/pakiti/internal/report"
)

const usage = `Usage: pakiti-client [OPTIONS]

Lists the installed packages (rpm, dpkg or apk) and the host's facts, and
sends the report to a Pakiti server (--url) and/or prints it (--output;
without --url the report goes to standard output). Options take one dash or
two (-url or --url) and a value after a space or = (--url=URL).

Report:
  --host NAME            host name to report (default: hostname --fqdn;
                         with --root: ROOT/etc/hostname)
  --site NAME            site name
  --tag STRING           tag the server groups reports by
  --root DIR             report on the system mounted at DIR (an image, a
                         container's root file system, a chroot) instead of
                         this one; the kernel is then the newest installed
                         kernel package and the CPU is left out
  --rpm PATH             rpm command to run (default: found in /bin,
                         /usr/bin, /sbin, /usr/sbin)
  -i, --input FILE       send or print the report in FILE, prepared earlier,
                         instead of a new one (- = standard input); with
                         --site, its site: line is rewritten
  -o, --output FILE      write the report to FILE (- = standard output)
  --protocol 5|6         report format: 6 adds source packages, os-release
                         and pending reboot. Sending defaults to 6, falling
                         back to 5 once when the server rejects 6; printing
                         defaults to 5 (what the Perl client prints)

Sending:
  --url URL              POST the report to the Pakiti feed at URL
  --mode MODE            store-only (the server's default), store-and-report
                         or report-only; with the last two the vulnerable
                         packages the server lists are printed
  --all-cves             with those modes, ask for every vulnerable package,
                         not only the CVEs carrying a CVE tag (the server's
                         default answer, as Pakiti 3 answered)
  --timeout DURATION     bound on one request (default 60s; 90, 2m, ...);
                         network errors and 5xx answers are retried with
                         backoff for up to 10 minutes
  --disable-tls-checks   do not verify the server's certificate
  --no-protocol-version  leave the protocol parameter out of the URL (for
                         old servers; implies --protocol 5)
  --expect STRING        first line of a successful answer (default OK)
  --token TOKEN          the site's report token (pakiti sites token SITE on
                         the server), sent as Authorization: Bearer; put it
                         in the config file (token = ...) to keep it out of
                         the process list
  --cert FILE            a client certificate (PEM) to present to the
                         server over https: one registered for the site
                         (pakiti sites cert add SITE on the server)
  --key FILE             its private key (PEM; default: in --cert's file)
  --encrypt CERT         S/MIME-encrypt the report (and --output) for the
                         server holding CERT's private key, as openssl smime
                         -encrypt -binary -aes-256-cbc -outform DER does;
                         CERT is a PEM certificate file or the PEM text

Running:
  --config, --conf FILE  read options from FILE first (name = value lines,
                         heredocs as <<TAG ... TAG, # comments), then apply
                         the command line over them (default:
                         /etc/pakiti/client.conf when it exists; --config=
                         reads none)
  -r, --rndsleep N       first sleep a random 0 to N-1 seconds (for cron)
  -d, --debug            say on standard error what is done
  -h, --help             show this help
  --version              print the version and commit and exit

Accepted and ignored, so that existing configurations keep working (this
client runs none of these commands): --curl, --wget, --dpkg-query,
--hostname, --lsb_release, --openssl, --pkg, --uname, --svmon PATH.

Exit status: 0 when the report was printed or the server answered OK;
1 with one line on standard error naming the reason otherwise; 2 for a
usage error.
`

// ignoredCommands are the Perl client's command-path options we accept
// and ignore.
var ignoredCommands = []string{"curl", "wget", "dpkg-query", "hostname", "lsb_release", "openssl", "pkg", "uname", "svmon"}

type options struct {
	url, site, tag, host, mode, output, input, config   string
	root, rpm, expect, encrypt, token                   string
	cert, key                                           string
	protocol, rndsleep                                  int
	timeout                                             secondsOrDuration
	debug, help, insecure, noProtocol, allCVEs, version bool
	ignored                                             map[string]*string
}

func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("pakiti-client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	str := func(p *string, names ...string) {
		for _, n := range names {
			fs.StringVar(p, n, *p, "")
		}
	}
	boolean := func(p *bool, names ...string) {
		for _, n := range names {
			fs.BoolVar(p, n, *p, "")
		}
	}
	str(&o.url, "url")
	str(&o.site, "site")
	str(&o.tag, "tag")
	str(&o.host, "host")
	str(&o.mode, "mode")
	str(&o.output, "output", "o")
	str(&o.input, "input", "i")
	str(&o.config, "config", "conf")
	str(&o.root, "root")
	str(&o.rpm, "rpm")
	str(&o.expect, "expect")
	str(&o.encrypt, "encrypt")
	str(&o.token, "token")
	str(&o.cert, "cert")
	str(&o.key, "key")
	fs.IntVar(&o.protocol, "protocol", o.protocol, "")
	fs.IntVar(&o.rndsleep, "rndsleep", o.rndsleep, "")
	fs.IntVar(&o.rndsleep, "r", o.rndsleep, "")
	fs.Var(&o.timeout, "timeout", "")
	boolean(&o.debug, "debug", "d")
	boolean(&o.help, "help", "h")
	boolean(&o.version, "version")
	boolean(&o.insecure, "disable-tls-checks")
	boolean(&o.noProtocol, "no-protocol-version")
	boolean(&o.allCVEs, "all-cves")
	o.ignored = map[string]*string{}
	for _, n := range ignoredCommands {
		o.ignored[n] = new(string)
		fs.StringVar(o.ignored[n], n, "", "")
	}
	return fs
}

// secondsOrDuration is a flag.Value taking a Go duration or a number of seconds.
type secondsOrDuration time.Duration

func (d *secondsOrDuration) String() string { return time.Duration(*d).String() }

func (d *secondsOrDuration) Set(s string) error {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		*d = secondsOrDuration(n * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 60s or 2m, or a number of seconds")
	}
	*d = secondsOrDuration(v)
	return nil
}

// defaultConfig is read when --config is not given and the file exists
// (the packages install it). Tests change it.
var defaultConfig = "/etc/pakiti/client.conf"

// usageError is a mistake in the options: exit status 2.
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := &options{protocol: report.Protocol6, timeout: secondsOrDuration(collect.DefaultTimeout)}
	explicit, err := parseOptions(o, args)
	if err == nil && o.help {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err == nil && o.version {
		fmt.Fprintln(stdout, buildinfo.Get().String("pakiti-client"))
		return 0
	}
	if err == nil {
		err = pakiti(ctx, o, explicit, stdin, stdout, stderr)
	}
	if err == nil {
		return 0
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	fmt.Fprintf(stderr, "pakiti-client: %s\n", msg)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// parseOptions applies the configuration file, then the command line over
// it, as the Perl client does, and returns the names of the options set.
func parseOptions(o *options, args []string) (map[string]bool, error) {
	fs := newFlagSet(o)
	if err := fs.Parse(args); err != nil {
		return nil, usageError{fmt.Errorf("%v (see --help)", err)}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	if o.help || o.version {
		return nil, nil
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "config" || f.Name == "conf" })
	if !given && defaultConfig != "" {
		if _, err := os.Stat(defaultConfig); err == nil {
			o.config = defaultConfig
		}
	}
	if o.config != "" {
		cfg, err := collect.ReadConfig(o.config)
		if err != nil {
			return nil, usageError{err}
		}
		for k, v := range cfg {
			switch k {
			case "config", "help", "manual":
				continue
			case "svmonreport":
				if collect.PerlTrue(v) {
					return nil, usageError{fmt.Errorf("%s: svmonreport: svmon reports are not supported", o.config)}
				}
				continue
			}
			if f := fs.Lookup(k); f != nil {
				if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
					v = strconv.FormatBool(collect.PerlTrue(v))
				}
				if err := fs.Set(k, v); err != nil {
					return nil, usageError{fmt.Errorf("%s: %s: %v", o.config, k, err)}
				}
			}
		}
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	return explicit, nil
}

func pakiti(ctx context.Context, o *options, explicit map[string]bool, stdin io.Reader, stdout, stderr io.Writer) error {
	switch {
	case !collect.ValidMode(o.mode):
		return usageError{fmt.Errorf("--mode %q: want one of %s", o.mode, strings.Join(collect.Modes, ", "))}
	case o.protocol != report.Protocol5 && o.protocol != report.Protocol6:
		return usageError{fmt.Errorf("--protocol %d: want 5 or 6", o.protocol)}
	case o.noProtocol && explicit["protocol"] && o.protocol == report.Protocol6:
		return usageError{errors.New("--no-protocol-version sends protocol 5 reports: it cannot go with --protocol 6")}
	case o.rndsleep < 0:
		return usageError{fmt.Errorf("--rndsleep %d: want 0 or more seconds", o.rndsleep)}
	case o.timeout <= 0:
		return usageError{errors.New("--timeout: want a positive duration")}
	case o.input != "" && o.root != "":
		return usageError{errors.New("--input and --root cannot go together")}
	case o.key != "" && o.cert == "":
		return usageError{errors.New("--key goes with --cert")}
	}
	debugf := func(string, ...any) {}
	if o.debug {
		debugf = func(format string, args ...any) {
			fmt.Fprintf(stderr, "pakiti-client: debug: "+format+"\n", args...)
		}
	}
	warnf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "pakiti-client: warning: "+format+"\n", args...)
	}
	if o.rndsleep > 0 {
		d := time.Duration(rand.IntN(o.rndsleep)) * time.Second
		debugf("sleeping %s", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}

	// The report: printed (output) and sent (body, with fallback).
	var output, body, fallback []byte
	sendProtocol := report.Protocol6
	if explicit["protocol"] {
		sendProtocol = o.protocol
	}
	if o.noProtocol {
		sendProtocol = report.Protocol5
	}
	if o.input != "" {
		raw, err := readInput(o.input, stdin)
		if err != nil {
			return err
		}
		if o.site != "" {
			if raw, err = report.SetSite(raw, collect.Strip(o.site)); err != nil {
				return fmt.Errorf("%s: %w", o.input, err)
			}
		}
		output, body = raw, raw
		has := collect.ReportProtocol(raw)
		if has == report.Protocol6 {
			r, err := report.Parse(raw, report.Protocol6, report.DefaultLimits)
			if err != nil {
				return fmt.Errorf("%s: %w", o.input, err)
			}
			fallback = report.Format(r, report.Protocol5)
			if sendProtocol == report.Protocol5 {
				body, fallback = fallback, nil
			}
		}
		if has == report.Protocol5 {
			sendProtocol = report.Protocol5
		}
	} else {
		r, err := collect.Collect(ctx, collect.Options{
			Root: o.root, Host: o.host, Site: o.site, Tag: o.tag, RPM: o.rpm,
			Warnf: warnf, Debugf: debugf,
		})
		if err != nil {
			return err
		}
		p5, p6 := report.Format(r, report.Protocol5), report.Format(r, report.Protocol6)
		output = p5
		if explicit["protocol"] && o.protocol == report.Protocol6 {
			output = p6
		}
		body = p5
		if sendProtocol == report.Protocol6 {
			body, fallback = p6, p5
		}
	}

	contentType := ""
	if o.encrypt != "" {
		cert, err := collect.ReadRecipient(o.encrypt)
		if err != nil {
			return err
		}
		for _, p := range []*[]byte{&output, &body, &fallback} {
			if *p == nil {
				continue
			}
			if *p, err = collect.Encrypt(*p, cert); err != nil {
				return fmt.Errorf("--encrypt: %w", err)
			}
		}
		contentType = collect.EncryptedContentType
		debugf("report encrypted for %s (serial %X)", cert.Subject, cert.SerialNumber)
	}

	if o.output == "" && o.url == "" {
		o.output = "-"
	}
	switch o.output {
	case "":
	case "-":
		if _, err := stdout.Write(output); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	default:
		if err := os.WriteFile(o.output, output, 0o666); err != nil {
			return err
		}
		debugf("report written to %s", o.output)
	}
	if o.url == "" {
		return nil
	}
	var clientCert *tls.Certificate
	if o.cert != "" {
		key := o.key
		if key == "" {
			key = o.cert
		}
		c, err := tls.LoadX509KeyPair(o.cert, key)
		if err != nil {
			return fmt.Errorf("--cert %s: %w", o.cert, err)
		}
		clientCert = &c
	}
	answer, err := collect.Send(ctx, o.url, body, collect.SendOptions{
		ClientCert:      clientCert,
		Protocol:        sendProtocol,
		NoProtocolParam: o.noProtocol,
		Mode:            o.mode,
		AllCVEs:         o.allCVEs,
		Timeout:         time.Duration(o.timeout),
		InsecureTLS:     o.insecure,
		Expect:          o.expect,
		Fallback:        fallback,
		ContentType:     contentType,
		Token:           o.token,
		Debugf:          debugf,
	})
	if err != nil {
		return err
	}
	debugf("report sent")
	if o.mode == "store-and-report" || o.mode == "report-only" {
		if _, err := io.WriteString(stdout, answer); err != nil {
			return fmt.Errorf("writing the answer: %w", err)
		}
	}
	return nil
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, report.DefaultLimits.MaxBytes+1))
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return data, nil
	}
	return os.ReadFile(name)
}
