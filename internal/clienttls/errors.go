package clienttls

import "errors"

// Errors of Identity. Their text never holds PEM content.
var (
	ErrCertificate = errors.New("clienttls: the client certificate or its key cannot be used (PEM certificate chain and a matching PKCS #8, PKCS #1 or SEC 1 key expected)")
	ErrCA          = errors.New("clienttls: the certificate authorities hold no PEM certificate")
	ErrEmpty       = errors.New("clienttls: no certificate and no certificate authority")
)
