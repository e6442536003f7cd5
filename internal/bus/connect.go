package bus

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// ConnectOptions says how to reach a NATS deployment. Every credential
// option is a reference to a file, never an inline secret, except Password
// and Token, which come from the environment. At most one way of
// authenticating may be set: CredsFile, NKeyFile, User (with Password) or
// Token; TLS options combine with any of them.
type ConnectOptions struct {
	URL string
	// Name is the client connection name shown in NATS monitoring.
	Name string
	// CredsFile is a NATS credentials file (JWT + NKey seed).
	CredsFile string
	// NKeyFile is an NKey seed file.
	NKeyFile string
	// User and Password, or Token, for plain authentication.
	User, Password, Token string
	// TLSCA verifies the server; TLSCert and TLSKey present a client
	// certificate (mutual TLS).
	TLSCA, TLSCert, TLSKey string
}

// Connect opens a NATS connection that reconnects forever with backoff and
// logs connection state changes. Options that contradict each other are
// refused before any connection is attempted. Errors never hold Password
// or Token.
func Connect(o ConnectOptions, log zerolog.Logger) (*nats.Conn, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.ReconnectBufSize(64 << 20),
		nats.DisconnectErrHandler(func(c *nats.Conn, err error) {
			if err == nil && c.IsClosed() {
				return // closed by us: "nats connection closed" says it
			}
			log.Warn().Err(err).Msg("nats disconnected")
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info().Str("server", c.ConnectedUrlRedacted()).Msg("nats reconnected")
		}),
		nats.ClosedHandler(func(*nats.Conn) { log.Info().Msg("nats connection closed") }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn().Err(err).Msg("nats async error")
		}),
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NKeyFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("bus: nkey seed file: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Token != "" {
		opts = append(opts, nats.Token(o.Token))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" || o.TLSKey != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	nc, err := nats.Connect(o.URL, opts...)
	var ue *url.Error
	switch {
	case errors.As(err, &ue):
		// url.Error quotes the URL, and with it any inline password.
		return nil, fmt.Errorf("bus: connect: a NATS URL cannot be parsed: %w", ue.Err)
	case err != nil:
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	return nc, nil
}

// check reports options that cannot work together.
func (o ConnectOptions) check() error {
	var errs []error
	if o.URL == "" {
		errs = append(errs, errors.New("bus: no NATS URL"))
	}
	methods := 0
	for _, set := range []bool{o.CredsFile != "", o.NKeyFile != "", o.User != "", o.Token != ""} {
		if set {
			methods++
		}
	}
	if methods > 1 {
		errs = append(errs, errors.New("bus: set only one of credentials file, NKey seed file, user or token"))
	}
	if o.Password != "" && o.User == "" {
		errs = append(errs, errors.New("bus: a NATS password needs a user"))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		errs = append(errs, errors.New("bus: a TLS client certificate needs both its certificate and key files"))
	}
	return errors.Join(errs...)
}
